using System.Threading.Channels;
using Starling.Client.Resilience;
using Starling.Client.Transport;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Flows;

/// <summary>
/// The client side of an MQTT session, which outlives connections: packet ids, QoS 1/2 publishes until acknowledged
/// (in flight up to the broker's Receive Maximum, the rest queued: that queue is the offline buffer), incoming QoS 2
/// ids, open SUBSCRIBE/UNSUBSCRIBE requests, and the subscriptions to restore. One lock guards it all; nothing slow runs
/// under it.
/// </summary>
internal sealed class ClientSession : IPacketHandler
{
    private readonly Lock _gate = new();
    private readonly PacketIdPool _ids = new();
    private readonly Dictionary<ushort, OutgoingPublish> _inflight = [];
    private readonly Queue<OutgoingPublish> _queued = new();
    private readonly Dictionary<ushort, PendingRequest> _requests = [];
    private readonly HashSet<ushort> _incomingQos2 = [];
    private readonly Dictionary<string, (TopicSubscription Subscription, int? Identifier)> _subscriptions = new(StringComparer.Ordinal);
    private readonly InboundDelivery _delivery;
    private readonly int _capacity;
    private readonly PublishBufferFile? _file;
    private ClientConnection? _connection;
    private int _sendQuota;
    private long _sendOrder;

    public ClientSession(int publishBufferCapacity, int receiveBufferCapacity, PublishBufferFile? file)
    {
        _capacity = publishBufferCapacity;
        _file = file;
        _delivery = new InboundDelivery(receiveBufferCapacity, AcceptQos2);
        if (file is not null)
        {
            foreach (var (sequence, packet) in file.Load())
            {
                _queued.Enqueue(new OutgoingPublish(packet) { FileSequence = sequence });
            }
        }
    }

    /// <summary>Received messages, bounded: when full, the read loop waits.</summary>
    public ChannelReader<MqttMessage> Received => _delivery.Reader;

    /// <summary>Takes response messages out of the stream before the application sees them (request/response helper).</summary>
    public Func<MqttMessage, bool>? Interceptor
    {
        get => _delivery.Interceptor;
        set => _delivery.Interceptor = value;
    }

    /// <summary>The connection in use, or null while disconnected.</summary>
    public ClientConnection? Connection
    {
        get
        {
            lock (_gate)
            {
                return _connection;
            }
        }
    }

    /// <summary>QoS 1/2 publishes not yet acknowledged plus queued ones.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _inflight.Count + _queued.Count;
            }
        }
    }

    /// <summary>
    /// Adopts a new connection. When the broker has no session and <paramref name="resubscribe"/> is set, the
    /// remembered subscriptions are requested first, so that on the wire they precede every resent message (a client
    /// that receives its own topics loses nothing). Then what was in flight is resent, in order and within the new
    /// Receive Maximum (with DUP when the broker kept the session [MQTT-4.4.0-1], PUBREL for QoS 2 messages it already
    /// received), then the window fills from the queue.
    /// Returns the resubscribe requests to wait for.
    /// </summary>
    public List<PendingRequest> Attach(ClientConnection connection, ConnAckPacket connAck, ushort maximumInflight, bool resubscribe)
    {
        List<(OutgoingPublish Entry, MqttPublishResult Result)> accepted;
        List<PendingRequest> requests;
        lock (_gate)
        {
            _sendQuota = Math.Min(connAck.ReceiveMaximum ?? ushort.MaxValue, (int)maximumInflight);
            if (!connAck.SessionPresent)
            {
                _incomingQos2.Clear();
            }

            requests = [];
            if (resubscribe && !connAck.SessionPresent)
            {
                // One SUBSCRIBE per Subscription Identifier, which belongs to the whole packet.
                foreach (var group in _subscriptions.Values.GroupBy(s => s.Identifier))
                {
                    var id = _ids.Allocate();
                    var request = new PendingRequest();
                    _requests[id] = request;
                    requests.Add(request);
                    connection.Enqueue(OutboundPacket.Control(new SubscribePacket
                    {
                        PacketId = id,
                        Subscriptions = [.. group.Select(s => s.Subscription)],
                        SubscriptionIdentifier = group.Key,
                    }));
                }
            }

            accepted = Resend(connAck.SessionPresent);
            _connection = connection;
            FillWindow(connection);
        }

        foreach (var (entry, result) in accepted)
        {
            entry.Complete(result);
        }

        return requests;
    }

    /// <summary>
    /// Under the lock, on a new connection: what was in flight goes back to the head of the queue in its original send
    /// order [MQTT-4.6.0-1], keeping its packet id and flow state, so that FillWindow resends it first and no more of it
    /// than the new Receive Maximum allows [MQTT-3.3.4-9]. When the broker has no session, QoS 2 messages it already acknowledged with PUBREC are not sent
    /// again (that would deliver them twice): their flow ends with the PUBREC's result. Returns those, to complete
    /// outside the lock.
    /// </summary>
    private List<(OutgoingPublish Entry, MqttPublishResult Result)> Resend(bool sessionPresent)
    {
        var accepted = new List<(OutgoingPublish, MqttPublishResult)>();
        var pending = _inflight.Values.OrderBy(e => e.SendOrder).Concat(_queued).ToList();
        _inflight.Clear();
        _queued.Clear();
        foreach (var entry in pending)
        {
            if (!sessionPresent && entry.State == OutgoingState.AwaitingPubComp)
            {
                // The broker took ownership at PUBREC [MQTT-4.3.3-4]; only the PUBREL/PUBCOMP exchange was lost with the session.
                Retire(entry);
                accepted.Add((entry, entry.PubRecResult ?? MqttPublishResult.Sent));
                continue;
            }

            // With a session the broker may have it: same packet id, DUP [MQTT-4.4.0-1]; a QoS 2 message past PUBREC
            // keeps that state and gets its PUBREL. Without one the broker knows nothing of it: the flow starts again.
            entry.Dup = sessionPresent && (entry.Dup || entry.State != OutgoingState.Queued);
            if (entry.State != OutgoingState.AwaitingPubComp)
            {
                entry.State = OutgoingState.Queued;
            }

            _queued.Enqueue(entry);
        }

        return accepted;
    }

    /// <summary>
    /// Forgets the connection; open requests fail. Publishes stay for the next connection, unless
    /// <paramref name="failPublishes"/> says none will follow: then their tasks fail with <paramref name="reason"/>
    /// (the broker may or may not have them) and they leave memory, though not the publish buffer file, whose next
    /// run still sends them.
    /// </summary>
    public void Detach(ClientConnection connection, Exception reason, bool failPublishes)
    {
        List<PendingRequest> failed;
        List<OutgoingPublish> abandoned = [];
        lock (_gate)
        {
            if (_connection != connection)
            {
                return;
            }

            _connection = null;
            failed = [.. _requests.Values];
            foreach (var id in _requests.Keys)
            {
                _ids.Free(id);
            }

            _requests.Clear();
            if (failPublishes)
            {
                abandoned = [.. _inflight.Values.OrderBy(e => e.SendOrder), .. _queued];
                foreach (var entry in abandoned.Where(e => e.PacketId != 0))
                {
                    _ids.Free(entry.PacketId);
                }

                _inflight.Clear();
                _queued.Clear();
            }
        }

        foreach (var request in failed)
        {
            request.Fail(reason);
        }

        foreach (var publish in abandoned)
        {
            publish.Fail(reason);
        }
    }

    /// <summary>Ends everything: publishes and requests fail, the message stream completes.</summary>
    public void Close(Exception reason)
    {
        List<OutgoingPublish> publishes;
        List<PendingRequest> requests;
        lock (_gate)
        {
            publishes = [.. _inflight.Values, .. _queued];
            requests = [.. _requests.Values];
            _inflight.Clear();
            _queued.Clear();
            _requests.Clear();
            _connection = null;
        }

        foreach (var publish in publishes)
        {
            publish.Fail(reason);
        }

        foreach (var request in requests)
        {
            request.Fail(reason);
        }

        _delivery.Complete();
        _file?.Dispose();
    }

    public async ValueTask<MqttPublishResult> PublishAsync(PublishPacket packet, bool allowOffline, CancellationToken cancellationToken)
    {
        if (packet.QoS == QualityOfService.AtMostOnce)
        {
            var connection = Connection;
            if (connection is not null)
            {
                await connection.EnqueueAsync(OutboundPacket.Publish(packet, 0, dup: false), cancellationToken).ConfigureAwait(false);
                return MqttPublishResult.Sent;
            }

            lock (_gate)
            {
                EnsureRoom(allowOffline);
                _queued.Enqueue(new OutgoingPublish(packet));
            }

            return MqttPublishResult.Sent;
        }

        var entry = new OutgoingPublish(packet);
        ClientConnection? sendOn = null;
        lock (_gate)
        {
            EnsureRoom(allowOffline);
            if (_file is not null)
            {
                entry.FileSequence = _file.Append(packet);
            }

            if (_connection is not null && _queued.Count == 0 && _inflight.Count < _sendQuota && Start(entry))
            {
                sendOn = _connection;
            }
            else
            {
                _queued.Enqueue(entry);
            }
        }

        if (sendOn is not null)
        {
            // Queued whatever the queue length (the in-flight window bounds these) and never cancelled: the message
            // holds a packet id and a window slot, so it must reach the wire [cancelling stops the wait, not the delivery].
            sendOn.Enqueue(OutboundPacket.Publish(packet, entry.PacketId, dup: false));
        }

        return await entry.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends SUBSCRIBE or UNSUBSCRIBE and waits for the answer.</summary>
    public async Task<IMqttPacket> RequestAsync(Func<ushort, IMqttPacket> build, CancellationToken cancellationToken)
    {
        var request = new PendingRequest();
        ClientConnection connection;
        ushort id;
        lock (_gate)
        {
            connection = _connection ?? throw new MqttClientException("Not connected.");
            id = _ids.Allocate();
            if (id == 0)
            {
                throw new MqttClientException("All 65,535 packet identifiers are in use.");
            }

            _requests[id] = request;
        }

        // Like a QoS 1/2 publish, a request holding a packet id is always queued: a cancelled wait leaves the answer to
        // free the id, so a late SUBACK never completes a different request.
        connection.Enqueue(OutboundPacket.Control(build(id)));
        return await request.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void RememberSubscription(TopicSubscription subscription, int? identifier)
    {
        lock (_gate)
        {
            _subscriptions[subscription.TopicFilter] = (subscription, identifier);
        }
    }

    public void ForgetSubscription(string filter)
    {
        lock (_gate)
        {
            _subscriptions.Remove(filter);
        }
    }

    public ValueTask OnPublishAsync(ClientConnection connection, PublishPacket packet, string topic, CancellationToken cancellationToken)
    {
        var message = MqttMessage.FromPacket(packet, topic);
        switch (packet.QoS)
        {
            case QualityOfService.AtMostOnce:
                return _delivery.DeliverAsync(message, connection, null, qos2: false, cancellationToken);
            case QualityOfService.AtLeastOnce:
                // PUBACK once the message is in the application's buffer.
                return _delivery.DeliverAsync(message, connection, new AckPacket(PacketType.PubAck, packet.PacketId), qos2: false, cancellationToken);
            default:
                bool known;
                lock (_gate)
                {
                    known = _incomingQos2.Contains(packet.PacketId);
                }

                var pubRec = new AckPacket(PacketType.PubRec, packet.PacketId);
                if (known)
                {
                    // Already accepted: a resent PUBLISH is acknowledged again, not delivered twice [MQTT-4.3.3-9].
                    connection.Enqueue(OutboundPacket.Acknowledge(pubRec));
                    return default;
                }

                return _delivery.DeliverAsync(message, connection, pubRec, qos2: true, cancellationToken);
        }
    }

    private void AcceptQos2(ushort packetId)
    {
        lock (_gate)
        {
            _incomingQos2.Add(packetId);
        }
    }

    public void OnAck(ClientConnection connection, in AckPacket ack)
    {
        OutgoingPublish? completed = null;
        MqttPublishResult? result = null;
        switch (ack.Type)
        {
            case PacketType.PubRel:
                bool known;
                lock (_gate)
                {
                    known = _incomingQos2.Remove(ack.PacketId);
                }

                connection.Enqueue(OutboundPacket.Acknowledge(new AckPacket(PacketType.PubComp, ack.PacketId,
                    known || connection.Version != ProtocolVersion.V500 ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound)));
                return;
            case PacketType.PubRec:
                var release = true;
                var releaseCode = ReasonCode.Success;
                lock (_gate)
                {
                    if (_inflight.TryGetValue(ack.PacketId, out var entry) && entry.QoS == QualityOfService.ExactlyOnce)
                    {
                        var pubRec = new MqttPublishResult(ack.ReasonCode, ack.ReasonString, ack.UserProperties);
                        if (!ReasonCodes.IsSuccess(ack.ReasonCode))
                        {
                            // A failed PUBREC ends the flow: no PUBREL [MQTT-4.3.3-4 as amended by 5.0 §4.3.3].
                            release = false;
                            completed = Finish(entry);
                            result = pubRec;
                        }
                        else
                        {
                            entry.State = OutgoingState.AwaitingPubComp;
                            entry.PubRecResult = pubRec;
                        }
                    }
                    else if (connection.Version == ProtocolVersion.V500)
                    {
                        // A PUBREC for an id this client does not hold: released so the broker can forget it, saying so.
                        releaseCode = ReasonCode.PacketIdentifierNotFound;
                    }
                }

                if (release)
                {
                    connection.Enqueue(OutboundPacket.Acknowledge(new AckPacket(PacketType.PubRel, ack.PacketId, releaseCode)));
                }

                break;
            default:
                lock (_gate)
                {
                    var expected = ack.Type == PacketType.PubAck ? OutgoingState.AwaitingPubAck : OutgoingState.AwaitingPubComp;
                    if (_inflight.TryGetValue(ack.PacketId, out var entry) && entry.State == expected)
                    {
                        completed = Finish(entry);
                        result = ack.Type == PacketType.PubAck
                            ? new MqttPublishResult(ack.ReasonCode, ack.ReasonString, ack.UserProperties)
                            : entry.PubRecResult ?? MqttPublishResult.Sent;
                    }
                }

                break;
        }

        completed?.Complete(result!);
    }

    public void OnRequestAck(ushort packetId, IMqttPacket ack)
    {
        PendingRequest? request;
        lock (_gate)
        {
            if (_requests.Remove(packetId, out request))
            {
                _ids.Free(packetId);
            }
        }

        request?.Complete(ack);
    }

    private void EnsureRoom(bool allowOffline)
    {
        if (_connection is null && !allowOffline)
        {
            throw new MqttClientException("Not connected.");
        }

        if (_inflight.Count + _queued.Count >= _capacity)
        {
            throw new MqttClientException($"The publish buffer is full ({_capacity} messages waiting to be sent or acknowledged).");
        }
    }

    /// <summary>
    /// Puts a queued publish in flight: a fresh packet id, or the one it kept from an earlier connection (the broker
    /// may know the message by it); false when no id is free.
    /// </summary>
    private bool Start(OutgoingPublish entry)
    {
        if (entry.PacketId == 0)
        {
            var id = _ids.Allocate();
            if (id == 0)
            {
                return false;
            }

            entry.PacketId = id;
        }

        if (entry.State != OutgoingState.AwaitingPubComp)
        {
            entry.State = entry.QoS == QualityOfService.AtLeastOnce ? OutgoingState.AwaitingPubAck : OutgoingState.AwaitingPubRec;
        }

        entry.SendOrder = ++_sendOrder;
        _inflight.Add(entry.PacketId, entry);
        return true;
    }

    /// <summary>Ends a flow (under the lock) and lets the next queued publish take its place in the window.</summary>
    private OutgoingPublish Finish(OutgoingPublish entry)
    {
        _inflight.Remove(entry.PacketId);
        Retire(entry);
        if (_connection is { } connection)
        {
            FillWindow(connection);
        }

        return entry;
    }

    /// <summary>Releases what a publish holds (under the lock): its packet id and its line in the buffer file.</summary>
    private void Retire(OutgoingPublish entry)
    {
        if (entry.PacketId != 0)
        {
            _ids.Free(entry.PacketId);
        }

        if (_file is not null && entry.FileSequence != 0)
        {
            try
            {
                _file.Remove(entry.FileSequence);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The message is acknowledged whatever the file says: its completion must not be lost to a full disk.
                // The worst case is a line the next run resends (at least once, as QoS 1/2 allows).
                FileError = e;
            }
        }
    }

    /// <summary>The last error writing the buffer file, if any (the flow goes on without it).</summary>
    public Exception? FileError { get; private set; }

    /// <summary>Sends queued publishes, in order, while the broker's Receive Maximum allows [MQTT-3.3.4-9].</summary>
    private void FillWindow(ClientConnection connection)
    {
        while (_queued.TryPeek(out var next))
        {
            if (next.QoS == QualityOfService.AtMostOnce)
            {
                _queued.Dequeue();
                connection.Enqueue(OutboundPacket.Publish(next.Packet, 0, dup: false));
                continue;
            }

            if (_inflight.Count >= _sendQuota || !Start(next))
            {
                return;
            }

            _queued.Dequeue();
            connection.Enqueue(next.State == OutgoingState.AwaitingPubComp
                ? OutboundPacket.Acknowledge(new AckPacket(PacketType.PubRel, next.PacketId))
                : OutboundPacket.Publish(next.Packet, next.PacketId, dup: next.Dup));
        }
    }
}
