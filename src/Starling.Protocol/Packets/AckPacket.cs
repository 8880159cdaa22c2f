namespace Starling.Protocol.Packets;

/// <summary>
/// PUBACK, PUBREC, PUBREL or PUBCOMP [MQTT-3.4 .. 3.7]. The four share one layout (packet identifier, then on MQTT 5.0
/// an optional reason code and properties), so one allocation-free type serves them, told apart by <see cref="Type"/>.
/// </summary>
/// <param name="Type">One of <see cref="PacketType.PubAck"/>, <see cref="PacketType.PubRec"/>,
/// <see cref="PacketType.PubRel"/>, <see cref="PacketType.PubComp"/>.</param>
/// <param name="PacketId">The packet identifier of the PUBLISH this acknowledges.</param>
/// <param name="ReasonCode">MQTT 5.0 reason code; always Success on MQTT 3.x.</param>
public readonly record struct AckPacket(PacketType Type, ushort PacketId, ReasonCode ReasonCode = ReasonCode.Success) : IMqttPacket
{
    /// <summary>MQTT 5.0 Reason String; null when absent.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];

    /// <summary>True for the four acknowledgement types this struct represents.</summary>
    public static bool IsAckType(PacketType type) => type is >= PacketType.PubAck and <= PacketType.PubComp;
}
