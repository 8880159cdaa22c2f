using Starling.Client.Flows;
using Starling.Protocol;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Client.Transport;

internal sealed partial class ClientConnection
{
    private async Task WriteLoopAsync()
    {
        var reader = _outbound.Reader;
        var token = _stop.Token;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                // Everything queued goes into the pipe, then one flush: many packets per write() under load.
                var written = 0;
                while (reader.TryRead(out var item))
                {
                    Write(item);
                    written++;
                    if (_output.UnflushedBytes >= FlushThreshold)
                    {
                        await _output.FlushAsync(token).ConfigureAwait(false);
                    }
                }

                var flush = await _output.FlushAsync(token).ConfigureAwait(false);
                Volatile.Write(ref _lastSent, Environment.TickCount64);
                if (Interlocked.Add(ref _queued, -written) < SoftQueueLimit)
                {
                    SignalDrained();
                }

                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Aborted.
        }
#pragma warning disable CA1031 // Whatever ends the writer (an encoder exception included) must end the connection
        // with its cause: a writer that faulted silently would leave the client "connected" and deaf for good.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Abort(new DisconnectInfo(null, $"Connection lost: {e.Message}", e));
        }
    }

    private void Write(in OutboundPacket item)
    {
        if (item.Packet is not null and not PublishPacket)
        {
            PacketEncoder.Encode(item.Packet, Version, _output);
            return;
        }

        var writer = new MqttWriter(_output);
        if (item.Packet is PublishPacket publish)
        {
            WritePublish(ref writer, publish, item.PacketId, item.Dup);
        }
        else
        {
            AckEncoder.Write(ref writer, item.Ack, Version);
        }

        writer.Commit();
    }

    private void WritePublish(ref MqttWriter writer, PublishPacket publish, ushort packetId, bool dup)
    {
        // Aliases are chosen here, in wire order, so the PUBLISH that defines an alias always precedes its uses.
        ushort alias = 0;
        var omitTopic = false;
        if (ServerTopicAliasMaximum > 0 && Version == ProtocolVersion.V500)
        {
            if (_outgoingAliases.TryGetValue(publish.Topic, out alias))
            {
                omitTopic = true;
            }
            else if (_outgoingAliases.Count < ServerTopicAliasMaximum)
            {
                alias = (ushort)(_outgoingAliases.Count + 1);
                _outgoingAliases[publish.Topic] = alias;
            }
        }

        var overrides = new PublishOverrides
        {
            QoS = publish.QoS,
            Retain = publish.Retain,
            Dup = dup,
            PacketId = packetId,
            TopicAlias = alias,
            OmitTopic = omitTopic,
            MessageExpiryInterval = publish.MessageExpiryInterval,
        };
        PublishEncoder.Write(ref writer, publish, Version, overrides);
    }

    private async Task KeepAliveLoopAsync(TimeSpan keepAlive, TimeSpan pingTimeout)
    {
        var token = _stop.Token;
        var interval = (long)keepAlive.TotalMilliseconds;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var idle = Environment.TickCount64 - Volatile.Read(ref _lastSent);
                if (idle < interval)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(interval - idle), token).ConfigureAwait(false);
                    continue;
                }

                // Nothing sent for a whole keep-alive period: PINGREQ [MQTT-3.1.2-23], then expect the broker to answer.
                var pingSent = Environment.TickCount64;
                Volatile.Write(ref _lastSent, pingSent);
                Enqueue(OutboundPacket.Control(PingReqPacket.Instance));
                await Task.Delay(pingTimeout, token).ConfigureAwait(false);
                // A read loop held up by a slow application has not read the PINGRESP: not a dead connection. A dead
                // one is still found then, when a write (this PINGREQ or a later one) fails.
                if (Volatile.Read(ref _lastReceived) < pingSent && !Volatile.Read(ref _waitingForApplication))
                {
                    Abort(new DisconnectInfo(ReasonCode.KeepAliveTimeout,
                        $"No answer from the broker within {pingTimeout.TotalSeconds:0.#} s of a PINGREQ: the connection is dead"));
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Connection ended.
        }
    }
}
