using Starling.Broker.Routing;

namespace Starling.Broker.Sessions;

/// <summary>Where an outbound QoS 1/2 message stands in its acknowledgement flow.</summary>
internal enum InflightState
{
    /// <summary>PUBLISH sent (QoS 1: awaiting PUBACK; QoS 2: awaiting PUBREC).</summary>
    PublishSent,

    /// <summary>QoS 2: PUBREC received, PUBREL sent, awaiting PUBCOMP.</summary>
    ReleaseSent,
}

/// <summary>An outbound QoS 1/2 message holding a packet identifier until it is acknowledged.</summary>
internal sealed class InflightMessage
{
    public InflightMessage(Delivery delivery, ushort packetId, long sequence)
    {
        Delivery = delivery;
        PacketId = packetId;
        Sequence = sequence;
    }

    public Delivery Delivery { get; }

    public ushort PacketId { get; }

    /// <summary>Send order, so a resumed session redelivers in the original order [MQTT-4.6.0-1].</summary>
    public long Sequence { get; }

    public InflightState State { get; set; }
}
