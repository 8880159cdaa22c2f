using Starling.Protocol.Packets;
using Starling.Protocol.Topics;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes SUBSCRIBE [MQTT-3.8].</summary>
internal static class SubscribeDecoder
{
    public static SubscribePacket Decode(ref MqttReader reader, ProtocolVersion version)
    {
        var packetId = PacketIds.ReadNonZero(ref reader, PacketType.Subscribe);
        var properties = version == ProtocolVersion.V500 ? DecodedProperties.Read(ref reader, PropertyScope.Subscribe) : default;
        if (reader.End)
        {
            Violation.ProtocolError("MQTT-3.8.3-2", "SUBSCRIBE has no topic filter");
        }

        var subscriptions = new List<TopicSubscription>(1);
        while (!reader.End)
        {
            var filter = ReadFilter(ref reader);
            var options = reader.ReadByte();
            subscriptions.Add(ReadOptions(filter, options, version));
        }

        return new SubscribePacket
        {
            PacketId = packetId,
            Subscriptions = subscriptions,
            SubscriptionIdentifier = properties.SubscriptionIdentifiers?[0],
            UserProperties = properties.UserPropertyList,
        };
    }

    /// <summary>Reads a topic filter and checks it [MQTT-4.7.1], [MQTT-4.7.3-1], [MQTT-4.8.2].</summary>
    public static string ReadFilter(ref MqttReader reader)
    {
        var filter = reader.ReadString();
        if (TopicValidator.FindViolation(filter) is { } rule)
        {
            Violation.Throw(ReasonCode.TopicFilterInvalid, rule, $"Invalid topic filter '{filter}'");
        }

        return filter;
    }

    private static TopicSubscription ReadOptions(string filter, byte options, ProtocolVersion version)
    {
        var qos = options & 0x03;
        if (qos == 3)
        {
            // 3.1.1: Malformed [MQTT-3.8.3-4] (3.1.1 numbering); 5.0: "It is a Protocol Error" (section 3.8.3.1).
            if (version == ProtocolVersion.V500)
            {
                Violation.ProtocolError("§3.8.3.1", "Subscription with Maximum QoS 3");
            }

            Violation.Malformed("MQTT-3.8.3-4", "Subscription with QoS 3");
        }

        if (version != ProtocolVersion.V500)
        {
            if ((options & 0xFC) != 0)
            {
                Violation.Malformed("MQTT-3.8.3-4", "Reserved bits of the requested QoS byte are set");
            }

            return new TopicSubscription(filter, (QualityOfService)qos);
        }

        if ((options & 0xC0) != 0)
        {
            Violation.Malformed("MQTT-3.8.3-5", "Reserved bits of the Subscription Options are set");
        }

        var retainHandling = (options >> 4) & 0x03;
        if (retainHandling == 3)
        {
            Violation.ProtocolError("§3.8.3.1", "Retain Handling 3 is a Protocol Error");
        }

        var noLocal = (options & 0x04) != 0;
        if (noLocal && SharedSubscription.HasSharePrefix(filter))
        {
            Violation.ProtocolError("MQTT-3.8.3-4", "No Local is set on a shared subscription");
        }

        return new TopicSubscription(filter, (QualityOfService)qos)
        {
            NoLocal = noLocal,
            RetainAsPublished = (options & 0x08) != 0,
            RetainHandling = (RetainHandling)retainHandling,
        };
    }
}
