using Starling.Broker.Connections;
using Starling.Broker.Routing;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Broker.Sessions;

/// <summary>
/// The state the broker keeps for one client id: its subscriptions, its outbound QoS 1/2 flow (in-flight window and
/// queue) and its inbound QoS 2 packet ids. It outlives connections when the session is persistent. All mutable state
/// is guarded by <see cref="Gate"/> (see docs/internals/lock-order.md).
/// </summary>
internal sealed class Session
{
    private readonly BrokerOptions _options;
    private readonly Queue<Delivery> _queue = new();
    private readonly Dictionary<ushort, InflightMessage> _inflight = [];
    private long _queuedBytes;
    private ushort _lastPacketId;
    private long _sequence;
    private volatile MqttConnection? _connection;

    public Session(string clientId, BrokerOptions options)
    {
        ClientId = clientId;
        _options = options;
    }

    public string ClientId { get; }

    public Lock Gate { get; } = new();

    /// <summary>The connection the session is attached to; null while offline.</summary>
    public MqttConnection? Connection => _connection;

    public bool IsOnline => _connection is not null;

    /// <summary>Filter (as sent, <c>$share/...</c> included) to subscription. Guarded by the broker's subscription lock.</summary>
    public Dictionary<string, Subscription> Subscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary>Read lock-free by the router to skip overlap merging for sessions with one subscription.</summary>
    public volatile int SubscriptionCount;

    /// <summary>Session Expiry Interval in seconds; <see cref="uint.MaxValue"/> never expires.</summary>
    public uint ExpiryInterval { get; set; }

    /// <summary>Broker clock when the last connection ended.</summary>
    public long DisconnectedAt { get; set; }

    /// <summary>A will waiting for its delay after the connection ended [MQTT-3.1.3-9].</summary>
    public WillMessage? PendingWill { get; set; }

    public long PendingWillDueAt { get; set; }

    /// <summary>Inbound QoS 2 packet ids whose PUBREL is awaited, with the time PUBREC was sent [MQTT-4.3.3-10].</summary>
    public Dictionary<ushort, long> InboundQoS2 { get; } = [];

    /// <summary>Messages dropped because the queue was full (counted, as the drop policy promises).</summary>
    public long DroppedMessages;

    public int QueuedCount
    {
        get
        {
            lock (Gate)
            {
                return _queue.Count;
            }
        }
    }

    public int InflightCount
    {
        get
        {
            lock (Gate)
            {
                return _inflight.Count;
            }
        }
    }

    /// <summary>Hands a routed message to the session: straight to the connection when the window allows, else queued.</summary>
    public void Deliver(in Delivery delivery)
    {
        lock (Gate)
        {
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
            else if (_queue.Count == 0 && _inflight.Count < connection.SendWindow)
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
    /// Attaches a connection. A resumed session first resends its unacknowledged messages in their original order,
    /// PUBLISH with DUP=1 and PUBREL as PUBREL [MQTT-4.4.0-1], then drains its queue.
    /// </summary>
    public void Attach(MqttConnection connection)
    {
        lock (Gate)
        {
            _connection = connection;
            PendingWill = null;
            foreach (var message in _inflight.Values.OrderBy(m => m.Sequence))
            {
                if (message.State == InflightState.ReleaseSent)
                {
                    connection.Writer.EnqueueAck(PacketType.PubRel, message.PacketId);
                }
                else
                {
                    connection.Writer.EnqueuePublish(message.Delivery, message.PacketId, dup: true);
                }
            }

            FillWindowLocked(connection);
        }
    }

    /// <summary>Detaches <paramref name="connection"/> if it is still the session's; false when another took over.</summary>
    public bool Detach(MqttConnection connection)
    {
        lock (Gate)
        {
            if (_connection != connection)
            {
                return false;
            }

            _connection = null;
            DisconnectedAt = Environment.TickCount64;
            return true;
        }
    }

    /// <summary>Processes PUBACK, PUBREC or PUBCOMP from the client. Returns false when the packet id is unknown.</summary>
    public bool Acknowledge(PacketType type, ushort packetId)
    {
        lock (Gate)
        {
            var connection = _connection;
            if (!_inflight.TryGetValue(packetId, out var message))
            {
                return false;
            }

            switch (type)
            {
                case PacketType.PubAck when message.Delivery.QoS == QualityOfService.AtLeastOnce:
                case PacketType.PubComp when message.State == InflightState.ReleaseSent:
                    _inflight.Remove(packetId);
                    break;
                case PacketType.PubRec when message.Delivery.QoS == QualityOfService.ExactlyOnce:
                    // The message is now delivered; keep the id until PUBCOMP [MQTT-4.3.3-4].
                    message.State = InflightState.ReleaseSent;
                    connection?.Writer.EnqueueAck(PacketType.PubRel, packetId);
                    return true;
                default:
                    return message.State == InflightState.ReleaseSent && type == PacketType.PubRec;
            }

            if (connection is not null)
            {
                FillWindowLocked(connection);
            }

            return true;
        }
    }

    /// <summary>Releases the packet id of a delivery the writer could not send (expired, or too large for the client).</summary>
    public void DropInflight(ushort packetId)
    {
        lock (Gate)
        {
            if (_inflight.Remove(packetId) && _connection is { } connection)
            {
                FillWindowLocked(connection);
            }
        }
    }

    /// <summary>
    /// Forgets everything but the client id: Clean Start, or the end of the session. Returns the undelivered messages
    /// that a shared subscription group had given this session, so they can go to another member.
    /// </summary>
    public List<Delivery>? ClearState()
    {
        lock (Gate)
        {
            List<Delivery>? shared = null;
            foreach (var message in _inflight.Values.OrderBy(m => m.Sequence))
            {
                if (message.Delivery.Group is not null && message.State == InflightState.PublishSent)
                {
                    (shared ??= []).Add(message.Delivery);
                }
            }

            foreach (var delivery in _queue)
            {
                if (delivery.Group is not null)
                {
                    (shared ??= []).Add(delivery);
                }
            }

            _queue.Clear();
            _queuedBytes = 0;
            _inflight.Clear();
            InboundQoS2.Clear();
            PendingWill = null;
            return shared;
        }
    }

    private void SendLocked(MqttConnection connection, in Delivery delivery)
    {
        var packetId = NextPacketId();
        _inflight.Add(packetId, new InflightMessage(delivery, packetId, _sequence++));
        connection.Writer.EnqueuePublish(delivery, packetId, dup: false);
    }

    private void QueueLocked(in Delivery delivery)
    {
        var size = delivery.Message.Packet.Payload.Length;
        if (_queue.Count >= _options.MaximumQueuedMessages || _queuedBytes + size > _options.MaximumQueuedBytes)
        {
            // Drop policy: the newest message is dropped, the queue keeps its order; counted per session.
            DroppedMessages++;
            return;
        }

        _queue.Enqueue(delivery);
        _queuedBytes += size;
    }

    private void FillWindowLocked(MqttConnection connection)
    {
        var now = Environment.TickCount64;
        while (_queue.Count > 0)
        {
            var next = _queue.Peek();
            if (next.QoS != QualityOfService.AtMostOnce && _inflight.Count >= connection.SendWindow)
            {
                return;
            }

            _queue.Dequeue();
            _queuedBytes -= next.Message.Packet.Payload.Length;
            if (next.Message.IsExpired(now))
            {
                continue;
            }

            if (next.QoS == QualityOfService.AtMostOnce)
            {
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
        while (_inflight.ContainsKey(_lastPacketId));

        return _lastPacketId;
    }
}
