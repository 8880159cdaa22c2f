namespace Starling.Protocol.Decoding;

internal static class AuthenticationRules
{
    /// <summary>Authentication Data without an Authentication Method is a Protocol Error (§3.1.2.11.10, §3.2.2.3.18, §3.15.2.2.3).</summary>
    public static void Check(in DecodedProperties properties)
    {
        if (properties.AuthenticationData is not null && properties.AuthenticationMethod is null)
        {
            Violation.ProtocolError("§3.1.2.11.10", "Authentication Data without an Authentication Method");
        }
    }
}
