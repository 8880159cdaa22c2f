using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes UNSUBACK [MQTT-3.11]; on 3.x it is just the packet identifier.</summary>
internal static class UnsubAckDecoder
{
    public static UnsubAckPacket Decode(ref MqttReader reader, ProtocolVersion version)
    {
        var packetId = PacketIds.ReadNonZero(ref reader, PacketType.UnsubAck);
        if (version != ProtocolVersion.V500)
        {
            reader.ExpectEnd();
            return new UnsubAckPacket { PacketId = packetId };
        }

        var properties = DecodedProperties.Read(ref reader, PropertyScope.UnsubAck);
        var codes = new List<ReasonCode>((int)reader.Remaining);
        while (!reader.End)
        {
            var code = (ReasonCode)reader.ReadByte();
            if (!ReasonCodes.IsAllowed(PacketType.UnsubAck, code))
            {
                Violation.ProtocolError("MQTT-3.11.3-2", $"Reason code 0x{(byte)code:X2} is not allowed in UNSUBACK");
            }

            codes.Add(code);
        }

        return new UnsubAckPacket
        {
            PacketId = packetId,
            ReasonCodes = codes,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserPropertyList,
        };
    }
}
