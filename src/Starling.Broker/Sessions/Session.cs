using Starling.Broker.Connections;
using Starling.Broker.Routing;
using Starling.Broker.Storage;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Broker.Sessions;

/// <summary>
/// The state the broker keeps for one client id: its subscriptions, its outbound QoS 1/2 flow (in-flight window and
/// queue) and its inbound QoS 2 packet ids. It outlives connections when the session is persistent. All mutable state
/// is guarded by <see cref="Gate"/> (see docs/internals/lock-order.md).
/// A connection first reserves the session (<see cref="Reserve"/>, under the registry lock: from then on the session
/// counts as online for takeover and expiry), sends CONNACK, then activates it (<see cref="Attach"/>): only an active
/// connection is handed messages.
/// A persistent session (expiry above 0) records every change of its durable state in the store journal, when the
/// broker has a store (<see cref="StoreId"/> is then its stored id).
/// </summary>
internal sealed class Session
{
    private readonly BrokerOptions _options;
    private readonly StoreJournal? _journal;
    // The collections are created on first use: most sessions of idle clients never need them.
    private Queue<Delivery>? _queue;
    private Dictionary<ushort, InflightMessage>? _inflight;

    // In-flight messages (ids kept) not resent yet after a resume because the client's window was smaller.
    private Queue<InflightMessage>? _unsent;
    private Dictionary<string, Subscription>? _subscriptions;
    private Dictionary<ushort, long>? _inboundQoS2;
    private long _queuedBytes;
    private ushort _lastPacketId;
    private long _sequence;
    private volatile MqttConnection? _owner;
    private volatile MqttConnection? _connection;

    public Session(string clientId, BrokerOptions options, StoreJournal? journal)
    {
        ClientId = clientId;
        _options = options;
        _journal = journal;
    }

    /// <summary>The stored session's id; 0 while the session is not stored (no store, or not persistent).</summary>
    public long StoreId { get; private set; }

    /// <summary>The journal when this session is stored; null otherwise.</summary>
    public StoreJournal? Journal => StoreId == 0 ? null : _journal;

    public string ClientId { get; }

    /// <summary>The monitor guarding the session: the session object itself (no lock object per session).</summary>
    public object Gate => this;

    /// <summary>The connection messages are handed to; null while offline or not yet activated.</summary>
    public MqttConnection? Connection => _connection;

    /// <summary>The connection that owns the session (reserved or active); null while offline.</summary>
    public MqttConnection? Owner => _owner;

    public bool IsOnline => _owner is not null;

    /// <summary>Set when the session ended; an ended session accepts no subscriptions and no connection.</summary>
    public bool Ended { get; private set; }

    /// <summary>Filter (as sent, <c>$share/...</c> included) to subscription. Guarded by <see cref="Gate"/>.</summary>
    public Dictionary<string, Subscription> Subscriptions => _subscriptions ??= new(StringComparer.Ordinal);

    /// <summary>Read lock-free by the router to skip overlap merging for sessions with one subscription.</summary>
    public volatile int SubscriptionCount;

    /// <summary>Session Expiry Interval in seconds; <see cref="uint.MaxValue"/> never expires.</summary>
    public uint ExpiryInterval { get; private set; }

    /// <summary>A new Session Expiry Interval from the client's DISCONNECT [MQTT-3.14.2-2].</summary>
    public void UpdateExpiry(uint seconds)
    {
        lock (Gate)
        {
            ExpiryInterval = seconds;
            SaveLocked();
        }
    }

    /// <summary>Broker clock when the last connection ended.</summary>
    public long DisconnectedAt { get; private set; }

    /// <summary>A will waiting for its delay after the connection ended [MQTT-3.1.3-9], as the PUBLISH it becomes.</summary>
    public PublishPacket? PendingWill { get; private set; }

    public long PendingWillDueAt { get; private set; }

    /// <summary>The pending will if it is due (housekeeping publishes it, then calls <see cref="ClearWill"/>).</summary>
    public PublishPacket? DueWill(long now)
    {
        lock (Gate)
        {
            return PendingWill is { } will && now >= PendingWillDueAt && !IsOnline ? will : null;
        }
    }

    /// <summary>
    /// Forgets <paramref name="will"/> once published. Published first, cleared second: a crash in between publishes
    /// it twice, never zero times.
    /// </summary>
    public void ClearWill(PublishPacket will)
    {
        lock (Gate)
        {
            if (PendingWill == will)
            {
                PendingWill = null;
                SaveLocked();
            }
        }
    }

    /// <summary>Inbound QoS 2 packet ids whose PUBREL is awaited, with the time PUBREC was (last) sent [MQTT-4.3.3-10]. Change it through <see cref="AddInbound"/> and <see cref="RemoveInbound"/>.</summary>
    public Dictionary<ushort, long> InboundQoS2 => _inboundQoS2 ??= [];

    /// <summary>True when a PUBREL has been awaited since before <paramref name="threshold"/> (caller holds <see cref="Gate"/>).</summary>
    public bool HasInboundOlderThan(long threshold)
    {
        if (_inboundQoS2 is null)
        {
            return false;
        }

        foreach (var receivedAt in _inboundQoS2.Values)
        {
            if (receivedAt < threshold)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Records an inbound QoS 2 packet id awaiting PUBREL (caller holds <see cref="Gate"/>).</summary>
    public void AddInbound(ushort packetId, long now)
    {
        InboundQoS2[packetId] = now;
        Journal?.AddInbound(StoreId, packetId);
    }

    /// <summary>Forgets an inbound QoS 2 packet id; false when it was not held.</summary>
    public bool RemoveInbound(ushort packetId)
    {
        lock (Gate)
        {
            if (_inboundQoS2 is null || !_inboundQoS2.Remove(packetId))
            {
                return false;
            }

            Journal?.DeleteInbound(StoreId, packetId);
            return true;
        }
    }

    /// <summary>Messages dropped because the queue was full (counted, as the drop policy promises).</summary>
    public long DroppedMessages;

    public int QueuedCount
    {
        get
        {
            lock (Gate)
            {
                return _queue?.Count ?? 0;
            }
        }
    }

    public int InflightCount
    {
        get
        {
            lock (Gate)
            {
                return _inflight?.Count ?? 0;
            }
        }
    }

    /// <summary>In-flight messages in the order they were first sent.</summary>
    private IEnumerable<InflightMessage> InflightInSendOrder =>
        _inflight is null ? [] : _inflight.Values.OrderBy(m => m.Sequence);

    /// <summary>Unacknowledged messages actually sent on the current connection (what Receive Maximum limits).</summary>
    private int OnWire => (_inflight?.Count ?? 0) - (_unsent?.Count ?? 0);

    /// <summary>Hands a routed message to the session: straight to the connection when the window allows, else queued.</summary>
    public void Deliver(in Delivery delivery)
    {
        lock (Gate)
        {
            if (Ended)
            {
                return;
            }

            var connection = _connection;
            if (connection is null)
            {
                if (delivery.QoS != QualityOfService.AtMostOnce || _options.QueueQoS0Messages)
                {
                    QueueLocked(delivery);
                }

                return;
            }

            if (delivery.QoS == QualityOfService.AtMostOnce)
            {
                connection.Writer.EnqueuePublish(delivery, 0, dup: false);
            }
            else if ((_queue?.Count ?? 0) == 0 && (_unsent?.Count ?? 0) == 0 && OnWire < connection.SendWindow)
            {
                SendLocked(connection, delivery);
            }
            else
            {
                QueueLocked(delivery);
            }
        }
    }

    /// <summary>
    /// Reserves the session for a connecting client (called under the registry lock): it is online from now on, its
    /// delayed will is cancelled [MQTT-3.1.3-9] and its expiry is the new connection's.
    /// </summary>
    public void Reserve(MqttConnection connection, uint expiryInterval)
    {
        lock (Gate)
        {
            _owner = connection;
            _connection = null;
            ExpiryInterval = expiryInterval;
            PendingWill = null;
            if (StoreId == 0 && _journal is not null && expiryInterval > 0)
            {
                StoreId = _journal.NewSessionId();
            }

            SaveLocked();
        }
    }

    /// <summary>
    /// Activates the reserved session after CONNACK. A resumed session first resends its unacknowledged messages in
    /// their original order, PUBLISH with DUP=1 and PUBREL as PUBREL [MQTT-4.4.0-1], no more PUBLISH than the client's
    /// window [MQTT-3.3.4-9], then drains its queue. False when the session ended or was taken over meanwhile.
    /// </summary>
    public bool Attach(MqttConnection connection)
    {
        lock (Gate)
        {
            if (Ended || _owner != connection)
            {
                return false;
            }

            _connection = connection;
            _unsent?.Clear();
            var now = Environment.TickCount64;
            if (_inboundQoS2 is not null)
            {
                foreach (var id in _inboundQoS2.Keys)
                {
                    // The PUBREL timeout counts from this connection, not from one that is gone.
                    _inboundQoS2[id] = now;
                }
            }

            var sent = 0;
            foreach (var message in InflightInSendOrder)
            {
                if (message.State == InflightState.ReleaseSent)
                {
                    connection.Writer.EnqueueAck(PacketType.PubRel, message.PacketId);
                    sent++;
                }
                else if (sent < connection.SendWindow)
                {
                    connection.Writer.EnqueuePublish(message.Delivery, message.PacketId, dup: true);
                    sent++;
                }
                else
                {
                    (_unsent ??= new()).Enqueue(message);
                }
            }

            FillWindowLocked(connection);
            return true;
        }
    }

    /// <summary>
    /// Ends <paramref name="connection"/>'s ownership if it still owns the session. A will with a delay waits in the
    /// session, set in the same critical section so a reconnect cannot slip in between. Returns false when another
    /// connection took the session over; <paramref name="publishNow"/> is the will to publish at once, if any.
    /// </summary>
    public bool Detach(MqttConnection connection, WillMessage? will, uint willDelay, out WillMessage? publishNow)
    {
        publishNow = null;
        lock (Gate)
        {
            if (_owner != connection)
            {
                return false;
            }

            _owner = null;
            _connection = null;
            _unsent?.Clear();
            DisconnectedAt = Environment.TickCount64;
            if (will is not null && willDelay > 0 && ExpiryInterval > 0)
            {
                PendingWill = WillPublication.ToPacket(will);
                PendingWillDueAt = DisconnectedAt + (Math.Min(willDelay, ExpiryInterval) * 1000L);
            }
            else
            {
                publishNow = will;
            }

            SaveLocked();
            return true;
        }
    }

    /// <summary>Rebuilds the session's own fields from the store, before the broker accepts connections.</summary>
    public void Restore(StoredSession stored, long now, DateTimeOffset wallNow)
    {
        lock (Gate)
        {
            StoreId = stored.Id;
            ExpiryInterval = stored.ExpiryInterval;

            // A session a connection held when the broker went down counts as disconnected at start-up.
            DisconnectedAt = stored.DisconnectedAt is { } at ? now + (long)(at - wallNow).TotalMilliseconds : now;
            if (stored.Will is not null && stored.WillDueAt is { } due)
            {
                PendingWill = stored.Will;
                PendingWillDueAt = now + (long)(due - wallNow).TotalMilliseconds;
            }
        }
    }

    /// <summary>
    /// Puts a stored delivery back in the queue or in flight (in delivery order), before the broker accepts
    /// connections. False when it cannot be kept: a PUBREL-stage delivery whose packet id another one holds (only
    /// after damage or repair) must not become a new PUBLISH.
    /// </summary>
    public bool Restore(in Delivery delivery, ushort packetId, DeliveryState state)
    {
        lock (Gate)
        {
            if (state == DeliveryState.ReleaseSent && (packetId == 0 || _inflight?.ContainsKey(packetId) == true))
            {
                return false;
            }

            if (state == DeliveryState.Queued || packetId == 0 || _inflight?.ContainsKey(packetId) == true)
            {
                (_queue ??= new()).Enqueue(delivery);
                _queuedBytes += delivery.Message.Size;
                return true;
            }

            var message = new InflightMessage(delivery, packetId, _sequence++)
            {
                State = state == DeliveryState.ReleaseSent ? InflightState.ReleaseSent : InflightState.PublishSent,
            };
            (_inflight ??= []).Add(packetId, message);
            return true;
        }
    }

    /// <summary>
    /// Drops queued messages whose expiry passed [MQTT-3.3.2-5] (in flight ones have started onward delivery and
    /// stay). Housekeeping calls it for offline sessions now and then; a full queue calls it before dropping.
    /// </summary>
    public void PurgeExpired(long now)
    {
        lock (Gate)
        {
            PurgeExpiredLocked(now);
        }
    }

    private void PurgeExpiredLocked(long now)
    {
        for (var remaining = _queue?.Count ?? 0; remaining > 0; remaining--)
        {
            var delivery = _queue!.Dequeue();
            if (delivery.Message.IsExpired(now))
            {
                _queuedBytes -= delivery.Message.Size;
                ReleaseLocked(delivery);
            }
            else
            {
                _queue.Enqueue(delivery);
            }
        }
    }

    /// <summary>Processes PUBACK, PUBREC or PUBCOMP from the client. Returns false when the packet id is unknown.</summary>
    public bool Acknowledge(MqttConnection connection, in AckPacket ack)
    {
        lock (Gate)
        {
            if (_connection != connection || _inflight is null || !_inflight.TryGetValue(ack.PacketId, out var message))
            {
                return false;
            }

            switch (ack.Type)
            {
                case PacketType.PubRec when message.Delivery.QoS == QualityOfService.ExactlyOnce && ReasonCodes.IsSuccess(ack.ReasonCode):
                    // Delivered; keep the id until PUBCOMP [MQTT-4.3.3-4] and release it.
                    message.State = InflightState.ReleaseSent;
                    if (message.Delivery.StoreId != 0)
                    {
                        _journal!.UpdateDelivery(message.Delivery.StoreId, ack.PacketId, DeliveryState.ReleaseSent);
                        connection.SendAfterCommit(PacketType.PubRel, ack.PacketId, ReasonCode.Success);
                    }
                    else
                    {
                        connection.Writer.EnqueueAck(PacketType.PubRel, ack.PacketId);
                    }

                    return true;
                case PacketType.PubRec when message.Delivery.QoS == QualityOfService.ExactlyOnce:
                    // A PUBREC with a failure code ends the flow: no PUBREL, the id is free [MQTT-4.3.3-4].
                case PacketType.PubAck when message.Delivery.QoS == QualityOfService.AtLeastOnce:
                case PacketType.PubComp when message.State == InflightState.ReleaseSent:
                    _inflight!.Remove(ack.PacketId);
                    ReleaseLocked(message.Delivery);
                    FillWindowLocked(connection);
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Releases the packet id of a first send the writer could not make (expired, or too large for the client).</summary>
    public void DropInflight(MqttConnection connection, ushort packetId)
    {
        lock (Gate)
        {
            if (_connection == connection && _inflight is not null && _inflight.Remove(packetId, out var message))
            {
                ReleaseLocked(message.Delivery);
                FillWindowLocked(connection);
            }
        }
    }

    /// <summary>
    /// The undelivered messages a shared subscription group gave this session, in order, so they can go to another
    /// member before the session ends (section 4.8.2). The session keeps them until <see cref="End"/>.
    /// </summary>
    public List<Delivery>? SharedOrphans()
    {
        lock (Gate)
        {
            List<Delivery>? shared = null;
            foreach (var message in InflightInSendOrder)
            {
                if (message.Delivery.Group is not null && message.State == InflightState.PublishSent)
                {
                    (shared ??= []).Add(message.Delivery);
                }
            }

            foreach (var delivery in _queue ?? (IEnumerable<Delivery>)[])
            {
                if (delivery.Group is not null)
                {
                    (shared ??= []).Add(delivery);
                }
            }

            return shared;
        }
    }

    /// <summary>Ends the session: it forgets everything but the client id and accepts nothing more.</summary>
    public void End()
    {
        lock (Gate)
        {
            Ended = true;
            foreach (var message in _inflight?.Values ?? (IEnumerable<InflightMessage>)[])
            {
                ReleaseLocked(message.Delivery);
            }

            foreach (var delivery in _queue ?? (IEnumerable<Delivery>)[])
            {
                ReleaseLocked(delivery);
            }

            if (StoreId != 0)
            {
                // Subscriptions, deliveries and inbound ids go with it; nothing more is recorded for this incarnation
                // (a connection still closing on it must not write rows under a deleted id).
                _journal!.DeleteSession(StoreId);
                StoreId = 0;
            }

            _queue?.Clear();
            _unsent?.Clear();
            _queuedBytes = 0;
            _inflight?.Clear();
            _inboundQoS2?.Clear();
            PendingWill = null;
        }
    }

    private void SendLocked(MqttConnection connection, in Delivery delivery)
    {
        var packetId = NextPacketId();
        var held = delivery;
        if (delivery.StoreId != 0)
        {
            _journal!.UpdateDelivery(delivery.StoreId, packetId, DeliveryState.PublishSent);
        }
        else if (StoreId != 0)
        {
            held = delivery.WithStoreId(_journal!.AddDelivery(StoreId, delivery, packetId, DeliveryState.PublishSent));
        }

        (_inflight ??= []).Add(packetId, new InflightMessage(held, packetId, _sequence++));
        connection.Writer.EnqueuePublish(held, packetId, dup: false);
    }

    /// <summary>Forgets the stored copy of a delivery that is done (acknowledged, expired, dropped).</summary>
    private void ReleaseLocked(in Delivery delivery)
    {
        if (delivery.StoreId != 0)
        {
            _journal!.ReleaseDelivery(delivery.StoreId, delivery.Message);
        }
    }

    /// <summary>Records the session's own fields (expiry, connected or since when not, pending will).</summary>
    private void SaveLocked()
    {
        if (StoreId == 0)
        {
            return;
        }

        var now = Environment.TickCount64;
        var wallNow = DateTimeOffset.UtcNow;
        DateTimeOffset? disconnectedAt = _owner is null ? wallNow.AddMilliseconds(DisconnectedAt - now) : null;
        DateTimeOffset? willDueAt = PendingWill is null ? null : wallNow.AddMilliseconds(PendingWillDueAt - now);
        _journal!.SaveSession(new StoredSession(StoreId, ClientId, ExpiryInterval, disconnectedAt, PendingWill, willDueAt));
    }

    private void QueueLocked(in Delivery delivery)
    {
        var size = delivery.Message.Size;
        if ((_queue?.Count ?? 0) >= _options.MaximumQueuedMessages || _queuedBytes + size > _options.MaximumQueuedBytes)
        {
            // Expired messages make room before a live one is dropped.
            PurgeExpiredLocked(Environment.TickCount64);
        }

        if ((_queue?.Count ?? 0) >= _options.MaximumQueuedMessages || _queuedBytes + size > _options.MaximumQueuedBytes)
        {
            // Drop policy: the newest message is dropped, the queue keeps its order; counted per session.
            Interlocked.Increment(ref DroppedMessages);
            return;
        }

        (_queue ??= new()).Enqueue(StoreId == 0 ? delivery : delivery.WithStoreId(_journal!.AddDelivery(StoreId, delivery, 0, DeliveryState.Queued)));
        _queuedBytes += size;
    }

    private void FillWindowLocked(MqttConnection connection)
    {
        while (_unsent is { Count: > 0 } && OnWire < connection.SendWindow)
        {
            var message = _unsent.Dequeue();
            connection.Writer.EnqueuePublish(message.Delivery, message.PacketId, dup: true);
        }

        var now = Environment.TickCount64;
        while (_queue is { Count: > 0 } && (_unsent?.Count ?? 0) == 0)
        {
            var next = _queue.Peek();
            if (next.QoS != QualityOfService.AtMostOnce && OnWire >= connection.SendWindow)
            {
                return;
            }

            _queue.Dequeue();
            _queuedBytes -= next.Message.Size;
            if (next.Message.IsExpired(now))
            {
                ReleaseLocked(next);
                continue;
            }

            if (next.QoS == QualityOfService.AtMostOnce)
            {
                ReleaseLocked(next);
                connection.Writer.EnqueuePublish(next, 0, dup: false);
            }
            else
            {
                SendLocked(connection, next);
            }
        }
    }

    private ushort NextPacketId()
    {
        // The window is at most 65,535, so a free id always exists.
        do
        {
            _lastPacketId = _lastPacketId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketId + 1);
        }
        while (_inflight?.ContainsKey(_lastPacketId) == true);

        return _lastPacketId;
    }
}
