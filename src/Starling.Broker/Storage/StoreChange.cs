using Starling.Protocol;

namespace Starling.Broker.Storage;

/// <summary>What a <see cref="StoreChange"/> does.</summary>
public enum StoreChangeKind : byte
{
    /// <summary>Nothing (a change cancelled within its batch).</summary>
    None = 0,

    /// <summary>Insert or replace <see cref="StoreChange.Session"/>.</summary>
    SessionSaved,

    /// <summary>Delete session <see cref="StoreChange.SessionId"/> with its subscriptions, deliveries and inbound QoS 2 ids.</summary>
    SessionDeleted,

    /// <summary>Insert or replace <see cref="StoreChange.Subscription"/> (key: session id and filter).</summary>
    SubscriptionSaved,

    /// <summary>Delete the subscription <see cref="StoreChange.Text"/> (the filter) of session <see cref="StoreChange.SessionId"/>.</summary>
    SubscriptionDeleted,

    /// <summary>Insert <see cref="StoreChange.Message"/>.</summary>
    MessageAdded,

    /// <summary>Delete message <see cref="StoreChange.Id"/>: nothing refers to it any more.</summary>
    MessageDeleted,

    /// <summary>Insert the delivery <see cref="StoreChange.Id"/> (all the delivery fields are set).</summary>
    DeliveryAdded,

    /// <summary>Set <see cref="StoreChange.PacketId"/> and <see cref="StoreChange.State"/> of delivery <see cref="StoreChange.Id"/>.</summary>
    DeliveryUpdated,

    /// <summary>Delete delivery <see cref="StoreChange.Id"/> (acknowledged, expired or dropped).</summary>
    DeliveryDeleted,

    /// <summary>Insert inbound QoS 2 id <see cref="StoreChange.PacketId"/> of session <see cref="StoreChange.SessionId"/>.</summary>
    InboundAdded,

    /// <summary>Delete inbound QoS 2 id <see cref="StoreChange.PacketId"/> of session <see cref="StoreChange.SessionId"/>.</summary>
    InboundDeleted,

    /// <summary>Set the retained message of topic <see cref="StoreChange.Text"/> to message <see cref="StoreChange.MessageId"/>.</summary>
    RetainedSet,

    /// <summary>Delete the retained message of topic <see cref="StoreChange.Text"/>.</summary>
    RetainedDeleted,
}

/// <summary>
/// One change to stored state. A struct with the fields of every kind, so the frequent kinds (deliveries added,
/// updated and deleted) cost no allocation; <see cref="Kind"/> says which fields are meaningful.
/// </summary>
public readonly struct StoreChange
{
    private readonly object? _value;

    private StoreChange(StoreChangeKind kind, long sessionId = 0, long id = 0, long messageId = 0, ushort packetId = 0, string? text = null, object? value = null,
        QualityOfService qos = QualityOfService.AtMostOnce, bool retain = false, DeliveryState state = DeliveryState.Queued, int[]? subscriptionIds = null)
    {
        Kind = kind;
        SessionId = sessionId;
        Id = id;
        MessageId = messageId;
        PacketId = packetId;
        Text = text;
        _value = value;
        QoS = qos;
        Retain = retain;
        State = state;
        SubscriptionIds = subscriptionIds;
    }

    /// <summary>What the change does.</summary>
    public StoreChangeKind Kind { get; }

    /// <summary>The session concerned.</summary>
    public long SessionId { get; }

    /// <summary>The delivery id (delivery kinds) or the message id (message kinds).</summary>
    public long Id { get; }

    /// <summary>The message a delivery or retained topic refers to.</summary>
    public long MessageId { get; }

    /// <summary>A packet identifier (deliveries, inbound QoS 2).</summary>
    public ushort PacketId { get; }

    /// <summary>A subscription filter or a retained topic.</summary>
    public string? Text { get; }

    /// <summary>Delivery QoS.</summary>
    public QualityOfService QoS { get; }

    /// <summary>Delivery RETAIN flag.</summary>
    public bool Retain { get; }

    /// <summary>Delivery state.</summary>
    public DeliveryState State { get; }

    /// <summary>Delivery subscription identifiers; null when none.</summary>
    public int[]? SubscriptionIds { get; }

    /// <summary>The session of <see cref="StoreChangeKind.SessionSaved"/>.</summary>
    public StoredSession Session => (StoredSession)_value!;

    /// <summary>The subscription of <see cref="StoreChangeKind.SubscriptionSaved"/>.</summary>
    public StoredSubscription Subscription => (StoredSubscription)_value!;

    /// <summary>The message of <see cref="StoreChangeKind.MessageAdded"/>.</summary>
    public StoredMessage Message => (StoredMessage)_value!;

    /// <summary>Creates <see cref="StoreChangeKind.SessionSaved"/>.</summary>
    public static StoreChange SessionSaved(StoredSession session) => new(StoreChangeKind.SessionSaved, sessionId: session.Id, value: session);

    /// <summary>Creates <see cref="StoreChangeKind.SessionDeleted"/>.</summary>
    public static StoreChange SessionDeleted(long sessionId) => new(StoreChangeKind.SessionDeleted, sessionId: sessionId);

    /// <summary>Creates <see cref="StoreChangeKind.SubscriptionSaved"/>.</summary>
    public static StoreChange SubscriptionSaved(StoredSubscription subscription) =>
        new(StoreChangeKind.SubscriptionSaved, sessionId: subscription.SessionId, text: subscription.Options.TopicFilter, value: subscription);

    /// <summary>Creates <see cref="StoreChangeKind.SubscriptionDeleted"/>.</summary>
    public static StoreChange SubscriptionDeleted(long sessionId, string filter) => new(StoreChangeKind.SubscriptionDeleted, sessionId: sessionId, text: filter);

    /// <summary>Creates <see cref="StoreChangeKind.MessageAdded"/>.</summary>
    public static StoreChange MessageAdded(StoredMessage message) => new(StoreChangeKind.MessageAdded, id: message.Id, value: message);

    /// <summary>Creates <see cref="StoreChangeKind.MessageDeleted"/>.</summary>
    public static StoreChange MessageDeleted(long messageId) => new(StoreChangeKind.MessageDeleted, id: messageId);

    /// <summary>Creates <see cref="StoreChangeKind.DeliveryAdded"/>.</summary>
    public static StoreChange DeliveryAdded(long id, long sessionId, long messageId, QualityOfService qos, bool retain, int[]? subscriptionIds, ushort packetId, DeliveryState state) =>
        new(StoreChangeKind.DeliveryAdded, sessionId, id, messageId, packetId, qos: qos, retain: retain, state: state, subscriptionIds: subscriptionIds);

    /// <summary>Creates <see cref="StoreChangeKind.DeliveryUpdated"/>.</summary>
    public static StoreChange DeliveryUpdated(long id, ushort packetId, DeliveryState state) => new(StoreChangeKind.DeliveryUpdated, id: id, packetId: packetId, state: state);

    /// <summary>Creates <see cref="StoreChangeKind.DeliveryDeleted"/>.</summary>
    public static StoreChange DeliveryDeleted(long id) => new(StoreChangeKind.DeliveryDeleted, id: id);

    /// <summary>Creates <see cref="StoreChangeKind.InboundAdded"/>.</summary>
    public static StoreChange InboundAdded(long sessionId, ushort packetId) => new(StoreChangeKind.InboundAdded, sessionId: sessionId, packetId: packetId);

    /// <summary>Creates <see cref="StoreChangeKind.InboundDeleted"/>.</summary>
    public static StoreChange InboundDeleted(long sessionId, ushort packetId) => new(StoreChangeKind.InboundDeleted, sessionId: sessionId, packetId: packetId);

    /// <summary>Creates <see cref="StoreChangeKind.RetainedSet"/>.</summary>
    public static StoreChange RetainedSet(string topic, long messageId) => new(StoreChangeKind.RetainedSet, text: topic, messageId: messageId);

    /// <summary>Creates <see cref="StoreChangeKind.RetainedDeleted"/>.</summary>
    public static StoreChange RetainedDeleted(string topic) => new(StoreChangeKind.RetainedDeleted, text: topic);

    /// <summary>This delivery change with another packet id and state (folds an update into a pending insert).</summary>
    internal StoreChange WithState(ushort packetId, DeliveryState state) =>
        new(Kind, SessionId, Id, MessageId, packetId, Text, _value, QoS, Retain, state, SubscriptionIds);
}
