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
            Violation.Malformed("MQTT-3.15.2-1", $"Reason code 0x{(byte)code:X2} is not allowed in AUTH");
        }

        var properties = reader.End ? default : DecodedProperties.Read(ref reader, PropertyScope.Auth);
        reader.ExpectEnd();
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
