namespace Starling.Protocol.Packets;

/// <summary>AUTH: the MQTT 5.0 enhanced authentication exchange [MQTT-3.15].</summary>
public sealed class AuthPacket : IMqttPacket
{
    /// <inheritdoc />
    public PacketType Type => PacketType.Auth;

    /// <summary>Success, Continue authentication or Re-authenticate.</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>Authentication Method.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>Authentication Data.</summary>
    public byte[]? AuthenticationData { get; init; }

    /// <summary>Reason String.</summary>
    public string? ReasonString { get; init; }

    /// <summary>User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];
}
