namespace Starling.Protocol.Packets;

/// <summary>An MQTT control packet.</summary>
public interface IMqttPacket
{
    /// <summary>The control packet type.</summary>
    PacketType Type { get; }
}
