using System.IO.Pipelines;
using Starling.Broker.Routing;
using Starling.Protocol;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Broker.Connections;

/// <summary>
/// The single writer of one connection. Producers (routers on other connections' read loops, this connection's own
/// read loop) append to a list under a short lock and schedule a drain once per batch; the drain, a thread-pool work
/// item, swaps the list out, encodes every packet into the pipe, flushes once, and repeats until nothing is left.
/// An idle connection has no drain running and no task waiting. Producers never wait for a slow consumer: QoS 0
/// beyond <see cref="BrokerOptions.MaximumOutboundBytes"/> is dropped and counted.
/// </summary>
internal sealed class OutboundWriter : IThreadPoolWorkItem
{
    /// <summary>
    /// Packets of any kind waiting for a writer that cannot flush (the peer stopped reading). Past this the client is
    /// disconnected: acknowledgements and QoS 1/2 deliveries cannot be dropped, and must not pile up without bound.
    /// </summary>
    private const int MaximumPendingItems = 100_000;

    private readonly object _gate; // this writer itself: no lock object per connection
    private readonly MqttConnection _connection;
    private readonly long _maximumQoS0Bytes;
    private PipeWriter? _output;
    private List<OutboundItem>? _pending; // created on first use: an idle connection holds no lists
    private List<OutboundItem>? _draining;
    private Dictionary<string, ushort>? _topicAliases;
    private TaskCompletionSource? _stopped; // created when someone waits for the end
    private ValueTask<FlushResult> _pendingFlush;
    private Action? _onFlushed; // created the first time a flush has to wait
    private long _pendingQoS0Bytes;
    private long _writingQoS0Bytes; // QoS 0 bytes of the batch being written: they count against the bound until flushed
    private int _drainIndex; // next item of _draining to write
    private bool _scheduled; // a drain is queued or running
    private bool _completing; // nothing more is accepted; the drain ends the writer once the list is empty
    private bool _finished;

    public OutboundWriter(MqttConnection connection, long maximumQoS0Bytes)
    {
        _gate = this;
        _connection = connection;
        _maximumQoS0Bytes = maximumQoS0Bytes;
    }

    /// <summary>QoS 0 messages dropped because this connection could not keep up, or too large for the client.</summary>
    public long Dropped;

    public void EnqueuePublish(in Delivery delivery, ushort packetId, bool dup) =>
        Enqueue(OutboundItem.Publish(delivery, packetId, dup), complete: false,
            qos0Size: delivery.QoS == QualityOfService.AtMostOnce ? delivery.Message.Size : 0);

    public void EnqueueAck(PacketType type, ushort packetId, ReasonCode reasonCode = ReasonCode.Success) =>
        Enqueue(OutboundItem.Ack(type, packetId, reasonCode), complete: false);

    public void EnqueuePacket(IMqttPacket packet) => Enqueue(OutboundItem.Of(packet), complete: false);

    /// <summary>Starts writing to <paramref name="output"/>: packets queued before are sent now.</summary>
    public void Start(PipeWriter output)
    {
        bool drain;
        lock (_gate)
        {
            _output = output;
            drain = _scheduled;
        }

        if (drain)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Sends <paramref name="last"/> (if any) after everything already queued, then ends the writer.</summary>
    public void Complete(IMqttPacket? last)
    {
        if (last is not null)
        {
            Enqueue(OutboundItem.Of(last), complete: true);
            return;
        }

        bool drain;
        lock (_gate)
        {
            if (_completing)
            {
                return;
            }

            _completing = true;
            drain = !_scheduled && _output is not null;
            _scheduled = true;
        }

        if (drain && !ReadBatch.TryDefer(this))
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else if (_output is null)
        {
            Finish();
        }
    }

    /// <summary>Completes when the writer has ended: everything queued before <see cref="Complete"/> was written, or writing failed.</summary>
    public Task WhenStopped()
    {
        lock (_gate)
        {
            if (_finished)
            {
                return Task.CompletedTask;
            }

            _stopped ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _stopped.Task;
        }
    }

    void IThreadPoolWorkItem.Execute() => Drain();

    /// <summary>Drains on the calling thread (a read loop that woke this writer, see <see cref="ReadBatch"/>).</summary>
    public void DrainNow() => Drain();

    // The flush's ValueTask is consumed exactly once: read at once when it completed, else by its continuation.
#pragma warning disable CA2012

    /// <summary>
    /// Writes batches until the list is empty; ends the writer when it is completing or writing failed. A flush that
    /// cannot finish at once (the client reads slowly) continues the drain when it does, with no task allocated.
    /// </summary>
    private void Drain()
    {
        var output = _output!;
        try
        {
            while (true)
            {
                if (_draining is null || _drainIndex >= _draining.Count)
                {
                    lock (_gate)
                    {
                        // The previous batch is flushed: its QoS 0 bytes have left for the socket.
                        _writingQoS0Bytes = 0;
                        _draining?.Clear();
                        _drainIndex = 0;
                        if (_pending is not { Count: > 0 })
                        {
                            _scheduled = false;
                            if (!_completing)
                            {
                                return;
                            }

                            break;
                        }

                        (_pending, _draining) = (_draining, _pending);
                        _writingQoS0Bytes = _pendingQoS0Bytes;
                        _pendingQoS0Bytes = 0;
                    }
                }

                WriteBatch(output);
                var flush = output.FlushAsync();
                if (!flush.IsCompleted)
                {
                    _pendingFlush = flush;
                    flush.GetAwaiter().UnsafeOnCompleted(_onFlushed ??= OnFlushed);
                    return;
                }

                if (IsEnd(flush.GetAwaiter().GetResult()))
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            OnWriteFailed(e);
        }

        Finish();
    }

    private void OnFlushed()
    {
        var flush = _pendingFlush;
        _pendingFlush = default;
        try
        {
            if (!IsEnd(flush.GetAwaiter().GetResult()))
            {
                Drain();
                return;
            }
        }
        catch (Exception e)
        {
            OnWriteFailed(e);
        }

        Finish();
    }

#pragma warning restore CA2012

    private static bool IsEnd(FlushResult flush) => flush.IsCompleted || flush.IsCanceled;

    /// <summary>A lost connection ends the writer quietly; anything else is a defect, logged by the connection.</summary>
    private void OnWriteFailed(Exception exception)
    {
        if (!ConnectionLoss.Is(exception))
        {
            _connection.OnWriterFailed(exception);
        }
    }

    /// <summary>The writer ended: drop what is left, and tell the connection (which closes, if it was not closing already).</summary>
    private void Finish()
    {
        TaskCompletionSource? stopped;
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            _finished = _completing = _scheduled = true;
            _pending?.Clear();
            stopped = _stopped;
        }

        _connection.OnWriterStopped();
        stopped?.TrySetResult();
    }

    /// <summary>Appends under the lock and wakes the writer once per batch; <paramref name="qos0Size"/> is counted against the QoS 0 bound.</summary>
    private void Enqueue(in OutboundItem item, bool complete, int qos0Size = 0)
    {
        var wake = false;
        var overflow = false;
        lock (_gate)
        {
            if (_completing)
            {
                return;
            }

            if (qos0Size > 0)
            {
                if (_pendingQoS0Bytes + _writingQoS0Bytes + qos0Size > _maximumQoS0Bytes)
                {
                    Interlocked.Increment(ref Dropped);
                    return;
                }

                _pendingQoS0Bytes += qos0Size;
            }

            if (_pending is { Count: >= MaximumPendingItems } && !complete)
            {
                overflow = true;
            }
            else
            {
                _completing = complete;
                (_pending ??= []).Add(item);
                wake = !_scheduled && _output is not null;
                _scheduled = true;
            }
        }

        if (overflow)
        {
            _connection.Close(ReasonCode.QuotaExceeded, "the client is not reading: outbound buffer full");
        }
        else if (wake && !ReadBatch.TryDefer(this))
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>
    /// Encodes the batch from where the last flush left it, up to <see cref="MaximumChunkBytes"/> when the pipe can tell
    /// (a large batch goes out in several flushes: the socket buffer never holds more than a chunk, and the first bytes
    /// leave sooner).
    /// </summary>
    private void WriteBatch(PipeWriter output)
    {
        var version = _connection.Version;
        var maximumPacketSize = _connection.ClientMaximumPacketSize;
        var now = Environment.TickCount64;
        var chunkLimit = output.CanGetUnflushedBytes ? MaximumChunkBytes : long.MaxValue;
        var writer = new MqttWriter(output);
        var items = _draining!;
        while (_drainIndex < items.Count)
        {
            var item = items[_drainIndex++];
            switch (item.Kind)
            {
                case OutboundKind.Publish:
                    WritePublish(ref writer, item, version, maximumPacketSize, now);
                    break;
                case OutboundKind.Ack:
                    AckEncoder.Write(ref writer, new AckPacket(item.AckType, item.PacketId, item.ReasonCode), version);
                    break;
                default:
                    PacketEncoder.TryWrite(ref writer, item.Packet!, version, maximumPacketSize);
                    break;
            }

            if (chunkLimit != long.MaxValue)
            {
                writer.Commit();
                if (output.UnflushedBytes >= chunkLimit)
                {
                    break;
                }
            }
        }

        writer.Commit();
    }

    /// <summary>Bytes encoded before a flush when the pipe reports its unflushed bytes.</summary>
    private const long MaximumChunkBytes = 256 * 1024;

    private void WritePublish(ref MqttWriter writer, in OutboundItem item, ProtocolVersion version, long maximumPacketSize, long now)
    {
        var delivery = item.Delivery;
        var message = delivery.Message;
        if (!item.Dup && message.IsExpired(now))
        {
            // An expired message is not sent [MQTT-3.3.2-5]; a held packet identifier is released. A resend (DUP)
            // already started its delivery, so it goes on.
            _connection.OnDeliveryDropped(item.PacketId, delivery.QoS);
            return;
        }

        ushort alias = 0;
        var omitTopic = false;
        var newAlias = false;
        if (version == ProtocolVersion.V500 && _connection.ClientTopicAliasMaximum > 0)
        {
            (alias, omitTopic, newAlias) = ResolveAlias(message.Topic, _connection.ClientTopicAliasMaximum);
        }

        var overrides = new PublishOverrides
        {
            QoS = delivery.QoS,
            Retain = delivery.Retain,
            Dup = item.Dup,
            PacketId = item.PacketId,
            TopicAlias = alias,
            OmitTopic = omitTopic,
            MessageExpiryInterval = message.RemainingExpiry(now),
            SubscriptionIdentifiers = delivery.SubscriptionIds.AsSpan(),
        };
        if (maximumPacketSize < FrameLimit && PublishEncoder.GetSize(message.Packet, version, overrides) > maximumPacketSize)
        {
            // Never send a client a packet above its Maximum Packet Size: drop it and count it [MQTT-3.1.2-24].
            Interlocked.Increment(ref Dropped);
            _connection.OnDeliveryDropped(item.PacketId, delivery.QoS);
            return;
        }

        if (newAlias)
        {
            // Registered only once the packet that establishes it is written, so the client surely knows it.
            _topicAliases![message.Topic] = alias;
        }

        PublishEncoder.Write(ref writer, message.Packet, version, overrides);
    }

    private const long FrameLimit = 268_435_460;

    /// <summary>Outbound topic aliases [MQTT-3.3.2-10]: the first time a topic is sent it gets an alias while any are left.</summary>
    private (ushort Alias, bool OmitTopic, bool IsNew) ResolveAlias(string topic, ushort maximum)
    {
        _topicAliases ??= new Dictionary<string, ushort>(StringComparer.Ordinal);
        if (_topicAliases.TryGetValue(topic, out var alias))
        {
            return (alias, true, false);
        }

        return _topicAliases.Count < maximum ? ((ushort)(_topicAliases.Count + 1), false, true) : ((ushort)0, false, false);
    }
}
