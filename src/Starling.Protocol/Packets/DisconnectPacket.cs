namespace Starling.Protocol.Packets;

/// <summary>DISCONNECT [MQTT-3.14]. On MQTT 3.x it has no content; on 5.0 either side may send it.</summary>
public sealed class DisconnectPacket : IMqttPacket
{
    /// <summary>A DISCONNECT with reason Normal disconnection and no properties.</summary>
    public static readonly DisconnectPacket Normal = new();

    /// <inheritdoc />
    public PacketType Type => PacketType.Disconnect;

    /// <summary>MQTT 5.0 reason code.</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>MQTT 5.0 Session Expiry Interval (client to server only); null when absent.</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Reason String.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 Server Reference (server to client).</summary>
    public string? ServerReference { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
