namespace Starling.Protocol.Packets;

/// <summary>SUBACK: one reason code per topic filter of the SUBSCRIBE, in order [MQTT-3.9].</summary>
public sealed class SubAckPacket : IMqttPacket
{
    /// <inheritdoc />
    public PacketType Type => PacketType.SubAck;

    /// <summary>The packet identifier of the SUBSCRIBE.</summary>
    public ushort PacketId { get; init; }

    /// <summary>Granted QoS (0x00..0x02) or a failure code per filter. On 3.x only 0x00..0x02 and 0x80 are written.</summary>
    public required IReadOnlyList<ReasonCode> ReasonCodes { get; init; }

    /// <summary>MQTT 5.0 Reason String.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
