using Starling.Broker.Routing;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Broker.Connections;

internal enum OutboundKind : byte
{
    Publish,
    Ack,
    Packet,
}

/// <summary>One packet waiting for the connection's writer: a delivery, an acknowledgement, or any other packet.</summary>
internal readonly struct OutboundItem
{
    private OutboundItem(OutboundKind kind, Delivery delivery, ushort packetId, bool dup, PacketType ackType, ReasonCode reasonCode, IMqttPacket? packet)
    {
        Kind = kind;
        Delivery = delivery;
        PacketId = packetId;
        Dup = dup;
        AckType = ackType;
        ReasonCode = reasonCode;
        Packet = packet;
    }

    public OutboundKind Kind { get; }

    public Delivery Delivery { get; }

    public ushort PacketId { get; }

    public bool Dup { get; }

    public PacketType AckType { get; }

    public ReasonCode ReasonCode { get; }

    public IMqttPacket? Packet { get; }

    public static OutboundItem Publish(in Delivery delivery, ushort packetId, bool dup) =>
        new(OutboundKind.Publish, delivery, packetId, dup, default, default, null);

    public static OutboundItem Ack(PacketType type, ushort packetId, ReasonCode reasonCode) =>
        new(OutboundKind.Ack, default, packetId, false, type, reasonCode, null);

    public static OutboundItem Of(IMqttPacket packet) => new(OutboundKind.Packet, default, 0, false, default, default, packet);
}
