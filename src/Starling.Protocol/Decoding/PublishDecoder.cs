using Starling.Protocol.Packets;
using Starling.Protocol.Topics;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes PUBLISH [MQTT-3.3]. The payload is copied once, into the packet's own array.</summary>
internal static class PublishDecoder
{
    public static PublishPacket Decode(ref MqttReader reader, byte flags, ProtocolVersion version)
    {
        var qos = (QualityOfService)((flags >> 1) & 0x03);
        var dup = (flags & 0x08) != 0;
        if ((byte)qos == 3)
        {
            Violation.Malformed("MQTT-3.3.1-4", "PUBLISH with QoS 3");
        }

        if (dup && qos == QualityOfService.AtMostOnce)
        {
            Violation.Malformed("MQTT-3.3.1-2", "DUP is set on a QoS 0 PUBLISH");
        }

        var topic = reader.ReadString();
        if (topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            Violation.Throw(ReasonCode.TopicNameInvalid, "MQTT-3.3.2-2", "The PUBLISH topic name contains a wildcard");
        }

        ushort packetId = 0;
        if (qos != QualityOfService.AtMostOnce)
        {
            packetId = PacketIds.ReadNonZero(ref reader, PacketType.Publish);
        }

        var properties = version == ProtocolVersion.V500 ? DecodedProperties.Read(ref reader, PropertyScope.Publish) : default;
        if (topic.Length == 0 && properties.TopicAlias == 0)
        {
            var rule = version == ProtocolVersion.V500 ? "§3.3.4" : "MQTT-4.7.3-1";
            Violation.Throw(version == ProtocolVersion.V500 ? ReasonCode.ProtocolError : ReasonCode.MalformedPacket, rule,
                "The PUBLISH topic name is empty and no Topic Alias is given");
        }

        return new PublishPacket
        {
            Topic = topic,
            QoS = qos,
            Dup = dup,
            Retain = (flags & 0x01) != 0,
            PacketId = packetId,
            PayloadFormat = properties.PayloadFormat,
            MessageExpiryInterval = properties.MessageExpiryInterval,
            TopicAlias = properties.TopicAlias,
            ResponseTopic = properties.ResponseTopic,
            CorrelationData = properties.CorrelationData,
            ContentType = properties.ContentType,
            SubscriptionIdentifiers = properties.SubscriptionIdentifierList,
            UserProperties = properties.UserPropertyList,
            Payload = reader.ReadRest(),
        };
    }
}
