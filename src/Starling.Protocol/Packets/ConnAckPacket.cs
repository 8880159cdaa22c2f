namespace Starling.Protocol.Packets;

/// <summary>CONNACK: the server's answer to CONNECT [MQTT-3.2].</summary>
public sealed class ConnAckPacket : IMqttPacket
{
    /// <inheritdoc />
    public PacketType Type => PacketType.ConnAck;

    /// <summary>Whether the server resumed an existing session.</summary>
    public bool SessionPresent { get; init; }

    /// <summary>The reason code. On MQTT 3.x it is written as the closest <see cref="ConnectReturnCode"/>.</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>Session Expiry Interval chosen by the server; null when absent.</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>Receive Maximum of the server; null when absent (65,535).</summary>
    public ushort? ReceiveMaximum { get; init; }

    /// <summary>Maximum QoS the server supports; null when absent (2).</summary>
    public QualityOfService? MaximumQoS { get; init; }

    /// <summary>Whether the server supports retained messages; null when absent (true).</summary>
    public bool? RetainAvailable { get; init; }

    /// <summary>Maximum Packet Size the server accepts; null when absent.</summary>
    public uint? MaximumPacketSize { get; init; }

    /// <summary>The client identifier assigned by the server when the client sent an empty one.</summary>
    public string? AssignedClientIdentifier { get; init; }

    /// <summary>Topic Alias Maximum of the server; null when absent (0).</summary>
    public ushort? TopicAliasMaximum { get; init; }

    /// <summary>Human-readable diagnostic.</summary>
    public string? ReasonString { get; init; }

    /// <summary>Whether wildcard subscriptions are supported; null when absent (true).</summary>
    public bool? WildcardSubscriptionAvailable { get; init; }

    /// <summary>Whether subscription identifiers are supported; null when absent (true).</summary>
    public bool? SubscriptionIdentifiersAvailable { get; init; }

    /// <summary>Whether shared subscriptions are supported; null when absent (true).</summary>
    public bool? SharedSubscriptionAvailable { get; init; }

    /// <summary>Keep alive the client must use instead of its own; null when absent.</summary>
    public ushort? ServerKeepAlive { get; init; }

    /// <summary>Response Information, the basis of response topics.</summary>
    public string? ResponseInformation { get; init; }

    /// <summary>Another server the client may use.</summary>
    public string? ServerReference { get; init; }

    /// <summary>Authentication Method.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>Authentication Data.</summary>
    public byte[]? AuthenticationData { get; init; }

    /// <summary>User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
