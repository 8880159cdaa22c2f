namespace Starling.Protocol.Packets;

/// <summary>UNSUBSCRIBE [MQTT-3.10].</summary>
public sealed class UnsubscribePacket : IMqttPacket
{
    /// <inheritdoc />
    public PacketType Type => PacketType.Unsubscribe;

    /// <summary>The packet identifier (non-zero).</summary>
    public ushort PacketId { get; init; }

    /// <summary>The topic filters to remove; at least one [MQTT-3.10.3-2].</summary>
    public required IReadOnlyList<string> TopicFilters { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
