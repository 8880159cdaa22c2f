using System.IO.Pipelines;
using Starling.Broker.Routing;
using Starling.Protocol;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Broker.Connections;

/// <summary>
/// The single writer of one connection. Producers (routers on other connections' read loops, this connection's own
/// read loop) append to a list under a short lock and wake the writer once per batch; the writer swaps the list out,
/// encodes every packet into the pipe and flushes once. Producers never wait for a slow consumer: QoS 0 beyond
/// <see cref="BrokerOptions.MaximumOutboundBytes"/> is dropped and counted.
/// </summary>
internal sealed class OutboundWriter
{
    /// <summary>
    /// Packets of any kind waiting for a writer that cannot flush (the peer stopped reading). Past this the client is
    /// disconnected: acknowledgements and QoS 1/2 deliveries cannot be dropped, and must not pile up without bound.
    /// </summary>
    private const int MaximumPendingItems = 100_000;

    private readonly Lock _gate = new();
    private readonly AsyncSignal _signal = new();
    private readonly MqttConnection _connection;
    private readonly long _maximumQoS0Bytes;
    private List<OutboundItem> _pending = []; // grown on first use: an idle connection holds no slots
    private List<OutboundItem> _draining = [];
    private Dictionary<string, ushort>? _topicAliases;
    private long _pendingQoS0Bytes;
    private bool _scheduled;
    private bool _completing;

    public OutboundWriter(MqttConnection connection, long maximumQoS0Bytes)
    {
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

    /// <summary>Sends <paramref name="last"/> (if any) after everything already queued, then ends the writer.</summary>
    public void Complete(IMqttPacket? last)
    {
        if (last is null)
        {
            lock (_gate)
            {
                _completing = true;
                _scheduled = true;
            }

            _signal.Set();
            return;
        }

        Enqueue(OutboundItem.Of(last), complete: true);
    }

    public async Task RunAsync(PipeWriter output)
    {
        try
        {
            await DrainAsync(output).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _completing = true;
                _pending.Clear();
            }

            _connection.OnWriterStopped();
        }
    }

    private async Task DrainAsync(PipeWriter output)
    {
        while (true)
        {
            await _signal.WaitAsync().ConfigureAwait(false);
            while (true)
            {
                lock (_gate)
                {
                    if (_pending.Count == 0)
                    {
                        _scheduled = false;
                        break;
                    }

                    (_pending, _draining) = (_draining, _pending);
                    _pendingQoS0Bytes = 0;
                }

                WriteBatch(output);
                var flush = await output.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return;
                }
            }

            lock (_gate)
            {
                if (_completing)
                {
                    return;
                }
            }
        }
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
                if (_pendingQoS0Bytes + qos0Size > _maximumQoS0Bytes)
                {
                    Interlocked.Increment(ref Dropped);
                    return;
                }

                _pendingQoS0Bytes += qos0Size;
            }

            if (_pending.Count >= MaximumPendingItems && !complete)
            {
                overflow = true;
            }
            else
            {
                _completing = complete;
                _pending.Add(item);
                wake = !_scheduled;
                _scheduled = true;
            }
        }

        if (overflow)
        {
            _connection.Close(ReasonCode.QuotaExceeded, "the client is not reading: outbound buffer full");
        }
        else if (wake)
        {
            _signal.Set();
        }
    }

    private void WriteBatch(PipeWriter output)
    {
        var version = _connection.Version;
        var maximumPacketSize = _connection.ClientMaximumPacketSize;
        var now = Environment.TickCount64;
        var writer = new MqttWriter(output);
        foreach (var item in _draining)
        {
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
        }

        writer.Commit();
        _draining.Clear();
    }

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
