using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes UNSUBSCRIBE [MQTT-3.10].</summary>
internal static class UnsubscribeDecoder
{
    public static UnsubscribePacket Decode(ref MqttReader reader, ProtocolVersion version)
    {
        var packetId = PacketIds.ReadNonZero(ref reader, PacketType.Unsubscribe);
        var properties = version == ProtocolVersion.V500 ? DecodedProperties.Read(ref reader, PropertyScope.Unsubscribe) : default;
        if (reader.End)
        {
            Violation.ProtocolError("MQTT-3.10.3-2", "UNSUBSCRIBE has no topic filter");
        }

        var filters = new List<string>(1);
        while (!reader.End)
        {
            filters.Add(SubscribeDecoder.ReadFilter(ref reader));
        }

        return new UnsubscribePacket
        {
            PacketId = packetId,
            TopicFilters = filters,
            UserProperties = properties.UserPropertyList,
        };
    }
}
