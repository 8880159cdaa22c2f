using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes PUBLISH [MQTT-3.3]. The payload is copied straight from the packet into the output.</summary>
public static class PublishEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(PublishPacket packet, ProtocolVersion version) => Sizes.Packet(RemainingLength(packet, version, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, PublishPacket packet, ProtocolVersion version)
    {
        if (packet.QoS != QualityOfService.AtMostOnce && packet.PacketId == 0)
        {
            throw new ArgumentException("A QoS 1 or 2 PUBLISH needs a non-zero packet identifier [MQTT-2.2.1-4].", nameof(packet));
        }

        var first = 0x30 | ((int)packet.QoS << 1) | (packet.Retain ? 1 : 0)
            | (packet.Dup && packet.QoS != QualityOfService.AtMostOnce ? 0x08 : 0);
        writer.WriteFixedHeader((byte)first, RemainingLength(packet, version, out var propertiesLength));
        writer.WriteString(packet.Topic);
        if (packet.QoS != QualityOfService.AtMostOnce)
        {
            writer.WriteUInt16(packet.PacketId);
        }

        if (version == ProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger(propertiesLength);
            if (propertiesLength > 0)
            {
                WriteProperties(ref writer, packet);
            }
        }

        writer.WriteBytes(packet.Payload.Span);
    }

    private static void WriteProperties(ref MqttWriter writer, PublishPacket packet)
    {
        writer.WriteProperty(PropertyId.PayloadFormatIndicator, (byte?)packet.PayloadFormat);
        writer.WriteProperty(PropertyId.MessageExpiryInterval, packet.MessageExpiryInterval);
        writer.WriteProperty(PropertyId.TopicAlias, packet.TopicAlias == 0 ? null : packet.TopicAlias);
        writer.WriteProperty(PropertyId.ResponseTopic, packet.ResponseTopic);
        writer.WriteProperty(PropertyId.CorrelationData, packet.CorrelationData);
        for (var i = 0; i < packet.SubscriptionIdentifiers.Count; i++)
        {
            writer.WriteByte((byte)PropertyId.SubscriptionIdentifier);
            writer.WriteVariableByteInteger(packet.SubscriptionIdentifiers[i]);
        }

        writer.WriteProperty(PropertyId.ContentType, packet.ContentType);
        writer.WriteUserProperties(packet.UserProperties);
    }

    private static int RemainingLength(PublishPacket packet, ProtocolVersion version, out int propertiesLength)
    {
        var size = Sizes.Utf8String(packet.Topic) + (packet.QoS == QualityOfService.AtMostOnce ? 0 : 2) + packet.Payload.Length;
        propertiesLength = 0;
        if (version == ProtocolVersion.V500)
        {
            propertiesLength = Sizes.Property((byte?)packet.PayloadFormat) + Sizes.Property(packet.MessageExpiryInterval)
                + (packet.TopicAlias == 0 ? 0 : 3) + Sizes.Property(packet.ResponseTopic)
                + Sizes.Property(packet.CorrelationData) + Sizes.Property(packet.ContentType)
                + Sizes.UserProperties(packet.UserProperties);
            for (var i = 0; i < packet.SubscriptionIdentifiers.Count; i++)
            {
                propertiesLength += 1 + Sizes.VariableByteInteger(packet.SubscriptionIdentifiers[i]);
            }

            size += Sizes.PropertyList(propertiesLength);
        }

        return size;
    }
}
