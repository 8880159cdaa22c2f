using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes PUBACK, PUBREC, PUBREL and PUBCOMP [MQTT-3.4 .. 3.7]; allocation-free unless properties are present.</summary>
internal static class AckDecoder
{
    public static AckPacket Decode(ref MqttReader reader, PacketType type, ProtocolVersion version)
    {
        var packetId = PacketIds.ReadNonZero(ref reader, type);

        if (version != ProtocolVersion.V500 || reader.End)
        {
            reader.ExpectEnd();
            return new AckPacket(type, packetId);
        }

        var reasonCode = (ReasonCode)reader.ReadByte();
        if (!ReasonCodes.IsAllowed(type, reasonCode))
        {
            Violation.ProtocolError(Rule(type), $"Reason code 0x{(byte)reasonCode:X2} is not allowed in {type}");
        }

        if (reader.End)
        {
            return new AckPacket(type, packetId, reasonCode);
        }

        var properties = DecodedProperties.Read(ref reader, PropertyScope.Ack);
        reader.ExpectEnd();
        return new AckPacket(type, packetId, reasonCode)
        {
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static string Rule(PacketType type) => type switch
    {
        PacketType.PubAck => "MQTT-3.4.2-1",
        PacketType.PubRec => "MQTT-3.5.2-1",
        PacketType.PubRel => "MQTT-3.6.2-1",
        _ => "MQTT-3.7.2-1",
    };
}
