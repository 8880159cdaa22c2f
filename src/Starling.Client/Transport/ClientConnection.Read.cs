using System.Buffers;
using Starling.Client.Flows;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Packets;

namespace Starling.Client.Transport;

internal sealed partial class ClientConnection
{
    private async Task ReadLoopAsync()
    {
        var token = _stop.Token;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                Volatile.Write(ref _lastReceived, Environment.TickCount64);
                while (true)
                {
                    // A packet larger than the Maximum Packet Size we announced is refused from its fixed header:
                    // DISCONNECT 0x95 (§3.1.2.11.4).
                    var status = FrameReader.TryReadFrame(buffer, _maximumIncoming, Version, out var frame, out var error);
                    if (status == FrameStatus.Incomplete)
                    {
                        break;
                    }

                    if (status == FrameStatus.Error || !await HandleFrameAsync(frame, token).ConfigureAwait(false))
                    {
                        if (status == FrameStatus.Error)
                        {
                            ProtocolViolation(error);
                        }

                        _input.AdvanceTo(buffer.Start);
                        return;
                    }

                    buffer = buffer.Slice(frame.TotalLength);
                }

                if (result.IsCompleted)
                {
                    _input.AdvanceTo(buffer.End);
                    Abort(new DisconnectInfo(null, "The broker closed the connection"));
                    return;
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Aborted: the cause is already recorded.
        }
#pragma warning disable CA1031 // Any failure (a decoder or handler bug included) ends the connection with its cause.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Abort(new DisconnectInfo(null, $"Connection lost: {e.Message}", e));
        }
    }

    /// <summary>Handles one packet; false when the connection must end.</summary>
    private ValueTask<bool> HandleFrameAsync(in Frame frame, CancellationToken token)
    {
        var handler = _handler!;
        MqttProtocolError error;
        switch (frame.Type)
        {
            case PacketType.Publish:
                if (!PacketDecoder.TryDecodePublish(frame, Version, out var publish, out error))
                {
                    break;
                }

                var topic = ResolveIncomingAlias(publish);
                if (topic is null)
                {
                    return new ValueTask<bool>(false);
                }

                var delivered = handler.OnPublishAsync(this, publish, topic, token);
                return delivered.IsCompletedSuccessfully ? new ValueTask<bool>(true) : AwaitDeliveryAsync(delivered);
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                if (!PacketDecoder.TryDecodeAck(frame, Version, out var ack, out error))
                {
                    break;
                }

                handler.OnAck(this, ack);
                return new ValueTask<bool>(true);
            default:
                if (!PacketDecoder.TryDecode(frame, Version, out var packet, out error))
                {
                    break;
                }

                return new ValueTask<bool>(HandleControlPacket(packet));
        }

        ProtocolViolation(error);
        return new ValueTask<bool>(false);
    }

    private async ValueTask<bool> AwaitDeliveryAsync(ValueTask delivered)
    {
        // The application is behind: the socket is not read meanwhile, so silence from the broker proves nothing.
        Volatile.Write(ref _waitingForApplication, true);
        try
        {
            await delivered.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _lastReceived, Environment.TickCount64);
            Volatile.Write(ref _waitingForApplication, false);
        }

        return true;
    }

    private bool HandleControlPacket(IMqttPacket packet)
    {
        switch (packet)
        {
            case SubAckPacket subAck:
                _handler!.OnRequestAck(subAck.PacketId, subAck);
                return true;
            case UnsubAckPacket unsubAck:
                _handler!.OnRequestAck(unsubAck.PacketId, unsubAck);
                return true;
            case PingRespPacket:
                return true;
            case DisconnectPacket disconnect:
                var text = disconnect.ReasonString is null ? $"The broker disconnected: {disconnect.ReasonCode}" : $"The broker disconnected: {disconnect.ReasonCode} ({disconnect.ReasonString})";
                Abort(new DisconnectInfo(disconnect.ReasonCode, text, null, disconnect.ServerReference));
                return false;
            case AuthPacket:
                // Re-authentication initiated by the broker is not supported: refuse it cleanly.
                ProtocolViolation(new MqttProtocolError(ReasonCode.ProtocolError, "§4.12.1", "Unexpected AUTH from the broker after CONNACK"));
                return false;
            default:
                ProtocolViolation(new MqttProtocolError(ReasonCode.ProtocolError, "§4.1", $"A broker does not send {packet.Type}"));
                return false;
        }
    }

    /// <summary>The topic of an incoming PUBLISH, given its topic alias [MQTT-3.3.2-12]; null (connection closed) when unknown.</summary>
    private string? ResolveIncomingAlias(PublishPacket publish)
    {
        if (publish.TopicAlias == 0)
        {
            return publish.Topic; // no alias (an alias property of 0 is refused by the decoder [MQTT-3.3.2-8])
        }

        if (publish.TopicAlias > _topicAliasMaximum)
        {
            // Above the Topic Alias Maximum we announced (none announced: 0) [MQTT-3.3.2-10]: DISCONNECT 0x94.
            ProtocolViolation(new MqttProtocolError(ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-10",
                $"Topic alias {publish.TopicAlias} is above the Topic Alias Maximum of {_topicAliasMaximum}"));
            return null;
        }

        if (publish.Topic.Length > 0)
        {
            _incomingAliases[publish.TopicAlias] = publish.Topic;
            return publish.Topic;
        }

        if (_incomingAliases.TryGetValue(publish.TopicAlias, out var topic))
        {
            return topic;
        }

        ProtocolViolation(new MqttProtocolError(ReasonCode.TopicAliasInvalid, "§3.3.2.3.4", $"Unknown topic alias {publish.TopicAlias}"));
        return null;
    }

    /// <summary>Tells the broker (MQTT 5.0 DISCONNECT with the reason) and closes [MQTT-4.13.1-1].</summary>
    private void ProtocolViolation(MqttProtocolError error)
    {
        if (Version == ProtocolVersion.V500)
        {
            Enqueue(OutboundPacket.Control(new DisconnectPacket { ReasonCode = error.ReasonCode }));
            _outbound.Writer.TryComplete();
        }

        // The writer finishes the DISCONNECT, then the connection is aborted.
        _ = AbortAfterWriterAsync(new DisconnectInfo(error.ReasonCode, $"Protocol error from the broker: {error}"));
    }

    private async Task AbortAfterWriterAsync(DisconnectInfo info)
    {
        // Closed is completed only by Abort, after the writer: whoever watches it closes the stream, and the
        // DISCONNECT must be written first.
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closing anyway.
        }

        Abort(info);
    }
}
