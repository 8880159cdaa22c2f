namespace Starling.Protocol.Packets;

/// <summary>PUBLISH: an application message [MQTT-3.3].</summary>
public sealed class PublishPacket : IMqttPacket
{
    /// <inheritdoc />
    public PacketType Type => PacketType.Publish;

    /// <summary>The topic name. Empty on MQTT 5.0 when a <see cref="TopicAlias"/> stands for an established topic.</summary>
    public required string Topic { get; init; }

    /// <summary>The application payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The QoS level.</summary>
    public QualityOfService QoS { get; init; }

    /// <summary>The RETAIN flag.</summary>
    public bool Retain { get; init; }

    /// <summary>The DUP flag: this may be a redelivery. Always false at QoS 0 [MQTT-3.3.1-2].</summary>
    public bool Dup { get; init; }

    /// <summary>The packet identifier; present only at QoS 1 and 2, and never 0 there.</summary>
    public ushort PacketId { get; init; }

    /// <summary>MQTT 5.0 Payload Format Indicator; null when absent.</summary>
    public PayloadFormatIndicator? PayloadFormat { get; init; }

    /// <summary>MQTT 5.0 Message Expiry Interval in seconds; null when absent (no expiry).</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Topic Alias; 0 when absent.</summary>
    public ushort TopicAlias { get; init; }

    /// <summary>MQTT 5.0 Response Topic; null when absent.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5.0 Correlation Data; null when absent.</summary>
    public byte[]? CorrelationData { get; init; }

    /// <summary>MQTT 5.0 Content Type; null when absent.</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5.0 Subscription Identifiers (server to client only).</summary>
    public IReadOnlyList<int> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];

    /// <summary>
    /// A copy of the application message (payload, RETAIN, every property but Topic Alias and Subscription
    /// Identifiers, which belong to one hop) under <paramref name="topic"/> with the given flow fields.
    /// </summary>
    public PublishPacket CopyMessage(string topic, QualityOfService qos, ushort packetId = 0, bool dup = false) => new()
    {
        Topic = topic,
        Payload = Payload,
        QoS = qos,
        Retain = Retain,
        Dup = dup,
        PacketId = packetId,
        PayloadFormat = PayloadFormat,
        MessageExpiryInterval = MessageExpiryInterval,
        ResponseTopic = ResponseTopic,
        CorrelationData = CorrelationData,
        ContentType = ContentType,
        UserProperties = UserProperties,
    };
}
