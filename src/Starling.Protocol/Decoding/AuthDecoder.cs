using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes AUTH [MQTT-3.15], which exists only in MQTT 5.0.</summary>
internal static class AuthDecoder
{
    public static AuthPacket Decode(ref MqttReader reader)
    {
        if (reader.End)
        {
            return new AuthPacket { ReasonCode = ReasonCode.Success };
        }

        var code = (ReasonCode)reader.ReadByte();
        if (!ReasonCodes.IsAllowed(PacketType.Auth, code))
        {
            Violation.ProtocolError("MQTT-3.15.2-1", $"Reason code 0x{(byte)code:X2} is not allowed in AUTH");
        }

        // Only the whole of Reason Code and Property Length may be left out (Remaining Length 0) [§3.15.2.2.1].
        if (reader.End)
        {
            Violation.Malformed("§3.15.2.2.1", "AUTH has a reason code but no Property Length");
        }

        var properties = DecodedProperties.Read(ref reader, PropertyScope.Auth);
        reader.ExpectEnd();
        if (properties.AuthenticationMethod is null)
        {
            Violation.ProtocolError("§3.15.2.2.2", "AUTH has no Authentication Method");
        }

        AuthenticationRules.Check(properties);
        return new AuthPacket
        {
            ReasonCode = code,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserPropertyList,
        };
    }
}
