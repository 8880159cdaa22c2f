namespace Starling.Protocol.Packets;

/// <summary>SUBSCRIBE [MQTT-3.8].</summary>
public sealed class SubscribePacket : IMqttPacket
{
    /// <inheritdoc />
    public PacketType Type => PacketType.Subscribe;

    /// <summary>The packet identifier (non-zero).</summary>
    public ushort PacketId { get; init; }

    /// <summary>The topic filters with their options; at least one [MQTT-3.8.3-2].</summary>
    public required IReadOnlyList<TopicSubscription> Subscriptions { get; init; }

    /// <summary>MQTT 5.0 Subscription Identifier (1 .. 268,435,455); null when absent.</summary>
    public int? SubscriptionIdentifier { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
