using System.Runtime.InteropServices;
using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>The fields of a PUBLISH that differ per recipient when one message is forwarded to many.</summary>
public readonly ref struct PublishOverrides
{
    /// <summary>The QoS of this delivery (the published QoS downgraded to the granted one).</summary>
    public QualityOfService QoS { get; init; }

    /// <summary>The RETAIN flag of this delivery.</summary>
    public bool Retain { get; init; }

    /// <summary>The DUP flag: a redelivery.</summary>
    public bool Dup { get; init; }

    /// <summary>The packet identifier for QoS 1 and 2.</summary>
    public ushort PacketId { get; init; }

    /// <summary>The Topic Alias to send, or 0.</summary>
    public ushort TopicAlias { get; init; }

    /// <summary>Send an empty topic name: the recipient already knows <see cref="TopicAlias"/> [MQTT-3.3.2-12].</summary>
    public bool OmitTopic { get; init; }

    /// <summary>The Message Expiry Interval left at forwarding time [MQTT-3.3.2-6]; null when the message has none.</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>The identifiers of the recipient's subscriptions that matched [MQTT-3.3.4-3].</summary>
    public ReadOnlySpan<int> SubscriptionIdentifiers { get; init; }

    /// <summary>The overrides that reproduce <paramref name="packet"/> as it is.</summary>
    public static PublishOverrides From(PublishPacket packet) => new()
    {
        QoS = packet.QoS,
        Retain = packet.Retain,
        Dup = packet.Dup,
        PacketId = packet.PacketId,
        TopicAlias = packet.TopicAlias,
        OmitTopic = packet.Topic.Length == 0,
        MessageExpiryInterval = packet.MessageExpiryInterval,
        SubscriptionIdentifiers = packet.SubscriptionIdentifiers is int[] array ? array
            : packet.SubscriptionIdentifiers is List<int> list ? CollectionsMarshal.AsSpan(list) : packet.SubscriptionIdentifiers.ToArray(),
    };
}
