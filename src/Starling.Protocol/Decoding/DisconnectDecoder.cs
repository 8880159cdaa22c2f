using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes DISCONNECT [MQTT-3.14]; a body-less DISCONNECT is a Normal disconnection.</summary>
internal static class DisconnectDecoder
{
    public static DisconnectPacket Decode(ref MqttReader reader, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500 || reader.End)
        {
            reader.ExpectEnd();
            return DisconnectPacket.Normal;
        }

        var code = (ReasonCode)reader.ReadByte();
        if (!ReasonCodes.IsAllowed(PacketType.Disconnect, code))
        {
            Violation.ProtocolError("MQTT-3.14.2-1", $"Reason code 0x{(byte)code:X2} is not allowed in DISCONNECT");
        }

        var properties = reader.End ? default : DecodedProperties.Read(ref reader, PropertyScope.Disconnect);
        reader.ExpectEnd();
        return new DisconnectPacket
        {
            ReasonCode = code,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReasonString = properties.ReasonString,
            ServerReference = properties.ServerReference,
            UserProperties = properties.UserPropertyList,
        };
    }
}
