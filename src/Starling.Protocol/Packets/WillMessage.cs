namespace Starling.Protocol.Packets;

/// <summary>The Will Message a CONNECT carries: published by the server when the connection ends abnormally.</summary>
public sealed class WillMessage
{
    /// <summary>The topic the will is published to.</summary>
    public required string Topic { get; init; }

    /// <summary>The will payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The QoS of the will publication.</summary>
    public QualityOfService QoS { get; init; }

    /// <summary>Whether the will is published as a retained message.</summary>
    public bool Retain { get; init; }

    /// <summary>MQTT 5.0 Will Delay Interval in seconds; null when absent (0).</summary>
    public uint? WillDelayInterval { get; init; }

    /// <summary>MQTT 5.0 Payload Format Indicator; null when absent.</summary>
    public PayloadFormatIndicator? PayloadFormat { get; init; }

    /// <summary>MQTT 5.0 Message Expiry Interval in seconds; null when absent (no expiry).</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Content Type; null when absent.</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5.0 Response Topic; null when absent.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5.0 Correlation Data; null when absent.</summary>
    public byte[]? CorrelationData { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
