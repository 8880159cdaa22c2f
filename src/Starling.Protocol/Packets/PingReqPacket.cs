namespace Starling.Protocol.Packets;

/// <summary>PINGREQ [MQTT-3.12]. It has no content, so one instance serves.</summary>
public sealed class PingReqPacket : IMqttPacket
{
    /// <summary>The only instance.</summary>
    public static readonly PingReqPacket Instance = new();

    private PingReqPacket()
    {
    }

    /// <inheritdoc />
    public PacketType Type => PacketType.PingReq;
}
