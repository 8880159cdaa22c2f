namespace Starling.Protocol.Packets;

/// <summary>CONNECT: the first packet a client sends [MQTT-3.1].</summary>
public sealed class ConnectPacket : IMqttPacket
{
    /// <inheritdoc />
    public PacketType Type => PacketType.Connect;

    /// <summary>The protocol level; selects the protocol name (<c>MQIsdp</c> for 3.1, <c>MQTT</c> otherwise).</summary>
    public ProtocolVersion ProtocolVersion { get; init; } = ProtocolVersion.V311;

    /// <summary>The client identifier; may be empty.</summary>
    public string ClientId { get; init; } = "";

    /// <summary>Clean Session (3.x) / Clean Start (5.0).</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>Keep alive in seconds; 0 turns keep alive off.</summary>
    public ushort KeepAlive { get; init; }

    /// <summary>The user name, or null when the user name flag is clear.</summary>
    public string? UserName { get; init; }

    /// <summary>The password, or null when the password flag is clear.</summary>
    public byte[]? Password { get; init; }

    /// <summary>The will message, or null when the will flag is clear.</summary>
    public WillMessage? Will { get; init; }

    /// <summary>MQTT 5.0 Session Expiry Interval in seconds; null when absent (0).</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Receive Maximum; null when absent (65,535).</summary>
    public ushort? ReceiveMaximum { get; init; }

    /// <summary>MQTT 5.0 Maximum Packet Size; null when absent (no limit beyond the protocol's).</summary>
    public uint? MaximumPacketSize { get; init; }

    /// <summary>MQTT 5.0 Topic Alias Maximum; null when absent (0).</summary>
    public ushort? TopicAliasMaximum { get; init; }

    /// <summary>MQTT 5.0 Request Response Information; null when absent (false).</summary>
    public bool? RequestResponseInformation { get; init; }

    /// <summary>MQTT 5.0 Request Problem Information; null when absent (true).</summary>
    public bool? RequestProblemInformation { get; init; }

    /// <summary>MQTT 5.0 Authentication Method; null when absent.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>MQTT 5.0 Authentication Data; null when absent.</summary>
    public byte[]? AuthenticationData { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
