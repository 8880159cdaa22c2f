using Starling.Protocol.Packets;

namespace Starling.Client.Flows;

/// <summary>
/// One packet queued for the writer. Acknowledgements travel by value (no boxing); a PUBLISH carries the packet id and
/// DUP flag it goes out with, so a stored message is never copied to be resent.
/// </summary>
internal readonly struct OutboundPacket
{
    private OutboundPacket(IMqttPacket? packet, AckPacket ack, ushort packetId, bool dup)
    {
        Packet = packet;
        Ack = ack;
        PacketId = packetId;
        Dup = dup;
    }

    public IMqttPacket? Packet { get; }

    public AckPacket Ack { get; }

    public ushort PacketId { get; }

    public bool Dup { get; }

    public static OutboundPacket Control(IMqttPacket packet) => new(packet, default, 0, false);

    public static OutboundPacket Publish(PublishPacket packet, ushort packetId, bool dup) => new(packet, default, packetId, dup);

    public static OutboundPacket Acknowledge(AckPacket ack) => new(null, ack, 0, false);
}
