using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Broker.Storage;

/// <summary>A persistent session. Its subscriptions, messages and inbound QoS 2 ids refer to it by <see cref="Id"/>.</summary>
/// <param name="Id">Unique per session incarnation: a client id that starts a clean session gets a new id.</param>
/// <param name="ClientId">The client identifier.</param>
/// <param name="ExpiryInterval">Session Expiry Interval in seconds; <see cref="uint.MaxValue"/> never expires.</param>
/// <param name="DisconnectedAt">When its last connection ended; null while a connection held it.</param>
/// <param name="Will">A will waiting for its delay, as the PUBLISH it becomes; null when none.</param>
/// <param name="WillDueAt">When <see cref="Will"/> is due.</param>
public sealed record StoredSession(long Id, string ClientId, uint ExpiryInterval, DateTimeOffset? DisconnectedAt, PublishPacket? Will, DateTimeOffset? WillDueAt);

/// <summary>One subscription of a persistent session.</summary>
/// <param name="SessionId">The session's <see cref="StoredSession.Id"/>.</param>
/// <param name="Options">The filter as sent (<c>$share/...</c> included) with its QoS and MQTT 5 options.</param>
/// <param name="SubscriptionId">The MQTT 5 Subscription Identifier; 0 when none.</param>
public sealed record StoredSubscription(long SessionId, TopicSubscription Options, int SubscriptionId);

/// <summary>One message body, stored once however many sessions (and the retained topic) refer to it.</summary>
/// <param name="Id">The message id.</param>
/// <param name="Packet">The message as published (topic resolved, every property).</param>
/// <param name="ExpiresAt">When its Message Expiry Interval runs out; null for never.</param>
/// <param name="PublisherClientId">The client that published it (for No Local); null when published from code.</param>
public sealed record StoredMessage(long Id, PublishPacket Packet, DateTimeOffset? ExpiresAt, string? PublisherClientId);

/// <summary>A message held for a persistent session: queued or in flight.</summary>
/// <param name="Id">Increases in delivery order: the session's queue and resend order.</param>
/// <param name="SessionId">The session's <see cref="StoredSession.Id"/>.</param>
/// <param name="MessageId">The <see cref="StoredMessage.Id"/>.</param>
/// <param name="QoS">The QoS it is delivered with.</param>
/// <param name="Retain">The RETAIN flag it is delivered with.</param>
/// <param name="SubscriptionIds">The subscription identifiers it carries; null when none.</param>
/// <param name="PacketId">Its packet identifier once sent; 0 while queued.</param>
/// <param name="State">Where its flow stands.</param>
public sealed record StoredDelivery(long Id, long SessionId, long MessageId, QualityOfService QoS, bool Retain, IReadOnlyList<int>? SubscriptionIds, ushort PacketId, DeliveryState State);

/// <summary>An inbound QoS 2 packet identifier whose PUBREL is awaited: a resend must not be forwarded again.</summary>
/// <param name="SessionId">The session's <see cref="StoredSession.Id"/>.</param>
/// <param name="PacketId">The packet identifier.</param>
public sealed record StoredInboundQoS2(long SessionId, ushort PacketId);

/// <summary>The retained message of a topic.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="MessageId">The <see cref="StoredMessage.Id"/>.</param>
public sealed record StoredRetained(string Topic, long MessageId);

/// <summary>Everything a store holds, as <see cref="IBrokerStore.Load"/> returns it.</summary>
public sealed class StoreSnapshot
{
    /// <summary>Persistent sessions.</summary>
    public List<StoredSession> Sessions { get; } = [];

    /// <summary>Their subscriptions.</summary>
    public List<StoredSubscription> Subscriptions { get; } = [];

    /// <summary>Message bodies referred to by deliveries or retained topics.</summary>
    public List<StoredMessage> Messages { get; } = [];

    /// <summary>Messages held for sessions, in any order (the broker sorts them by id).</summary>
    public List<StoredDelivery> Deliveries { get; } = [];

    /// <summary>Inbound QoS 2 packet identifiers awaiting PUBREL.</summary>
    public List<StoredInboundQoS2> InboundQoS2 { get; } = [];

    /// <summary>Retained messages.</summary>
    public List<StoredRetained> Retained { get; } = [];
}
