using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>
/// Encodes PUBLISH [MQTT-3.3]. The payload is copied straight from the packet into the output. A broker forwards one
/// shared message to many subscribers, each with its own QoS, packet identifier, flags, topic alias and
/// subscription identifiers: the <see cref="PublishOverrides"/> overloads write those without a copy of the message.
/// </summary>
public static class PublishEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(PublishPacket packet, ProtocolVersion version) => GetSize(packet, version, PublishOverrides.From(packet));

    /// <summary>Size of the whole packet with per-delivery fields.</summary>
    public static int GetSize(PublishPacket message, ProtocolVersion version, in PublishOverrides overrides) =>
        Sizes.Packet(RemainingLength(message, version, overrides, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, PublishPacket packet, ProtocolVersion version) =>
        Write(ref writer, packet, version, PublishOverrides.From(packet));

    /// <summary>Writes <paramref name="message"/> with per-delivery fields taken from <paramref name="overrides"/>.</summary>
    public static void Write(ref MqttWriter writer, PublishPacket message, ProtocolVersion version, in PublishOverrides overrides)
    {
        var qos = overrides.QoS;
        if (qos != QualityOfService.AtMostOnce && overrides.PacketId == 0)
        {
            throw new ArgumentException("A QoS 1 or 2 PUBLISH needs a non-zero packet identifier [MQTT-2.2.1-4].", nameof(overrides));
        }

        var first = 0x30 | ((int)qos << 1) | (overrides.Retain ? 1 : 0) | (overrides.Dup && qos != QualityOfService.AtMostOnce ? 0x08 : 0);
        writer.WriteFixedHeader((byte)first, RemainingLength(message, version, overrides, out var propertiesLength));
        if (overrides.OmitTopic)
        {
            writer.WriteUInt16(0);
        }
        else
        {
            writer.WriteString(message.Topic);
        }

        if (qos != QualityOfService.AtMostOnce)
        {
            writer.WriteUInt16(overrides.PacketId);
        }

        if (version == ProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger(propertiesLength);
            if (propertiesLength > 0)
            {
                WriteProperties(ref writer, message, overrides);
            }
        }

        writer.WriteBytes(message.Payload.Span);
    }

    private static void WriteProperties(ref MqttWriter writer, PublishPacket message, in PublishOverrides overrides)
    {
        writer.WriteProperty(PropertyId.PayloadFormatIndicator, (byte?)message.PayloadFormat);
        writer.WriteProperty(PropertyId.MessageExpiryInterval, overrides.MessageExpiryInterval);
        writer.WriteProperty(PropertyId.TopicAlias, overrides.TopicAlias == 0 ? null : overrides.TopicAlias);
        writer.WriteProperty(PropertyId.ResponseTopic, message.ResponseTopic);
        writer.WriteProperty(PropertyId.CorrelationData, message.CorrelationData);
        foreach (var id in overrides.SubscriptionIdentifiers)
        {
            writer.WriteByte((byte)PropertyId.SubscriptionIdentifier);
            writer.WriteVariableByteInteger(id);
        }

        writer.WriteProperty(PropertyId.ContentType, message.ContentType);
        writer.WriteUserProperties(message.UserProperties);
    }

    private static int RemainingLength(PublishPacket message, ProtocolVersion version, in PublishOverrides overrides, out int propertiesLength)
    {
        var size = (overrides.OmitTopic ? 2 : Sizes.Utf8String(message.Topic))
            + (overrides.QoS == QualityOfService.AtMostOnce ? 0 : 2) + message.Payload.Length;
        propertiesLength = 0;
        if (version == ProtocolVersion.V500)
        {
            propertiesLength = Sizes.Property((byte?)message.PayloadFormat) + Sizes.Property(overrides.MessageExpiryInterval)
                + (overrides.TopicAlias == 0 ? 0 : 3) + Sizes.Property(message.ResponseTopic)
                + Sizes.Property(message.CorrelationData) + Sizes.Property(message.ContentType)
                + Sizes.UserProperties(message.UserProperties);
            foreach (var id in overrides.SubscriptionIdentifiers)
            {
                propertiesLength += 1 + Sizes.VariableByteInteger(id);
            }

            size += Sizes.PropertyList(propertiesLength);
        }

        return size;
    }
}
