namespace Starling.Protocol.Packets;

/// <summary>PINGRESP [MQTT-3.13]. It has no content, so one instance serves.</summary>
public sealed class PingRespPacket : IMqttPacket
{
    /// <summary>The only instance.</summary>
    public static readonly PingRespPacket Instance = new();

    private PingRespPacket()
    {
    }

    /// <inheritdoc />
    public PacketType Type => PacketType.PingResp;
}
