namespace Starling.Protocol.Packets;

/// <summary>UNSUBACK [MQTT-3.11].</summary>
public sealed class UnsubAckPacket : IMqttPacket
{
    /// <inheritdoc />
    public PacketType Type => PacketType.UnsubAck;

    /// <summary>The packet identifier of the UNSUBSCRIBE.</summary>
    public ushort PacketId { get; init; }

    /// <summary>MQTT 5.0: one reason code per topic filter. Empty on 3.x, whose UNSUBACK has no payload.</summary>
    public IReadOnlyList<ReasonCode> ReasonCodes { get; init; } = [];

    /// <summary>MQTT 5.0 Reason String.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
