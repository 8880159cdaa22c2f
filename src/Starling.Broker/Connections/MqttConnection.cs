using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging;
using Starling.Broker.Diagnostics;
using Starling.Broker.Sessions;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Packets;

namespace Starling.Broker.Connections;

/// <summary>
/// One client connection over any duplex pipe: the read loop (decode every complete packet of a read, handle it
/// inline, return to the pipe once) and the <see cref="OutboundWriter"/>. The packet handlers live in the partial
/// files beside this one, one per concern (connect, publish, subscribe).
/// </summary>
#pragma warning disable CA1001 // _connectCancellation is created and disposed within HandleConnectAsync; the field only lets Close cancel it.
internal sealed partial class MqttConnection
#pragma warning restore CA1001
{
    private const long NoLimit = 268_435_460;

    private readonly MqttBroker _broker;
    private readonly IDuplexPipe _transport;
    private readonly ILogger _logger;
    // Guards the close state and the held acknowledgements (MqttConnection.Publish.cs). Re-entered when sending a
    // held acknowledgement overflows the writer and closes the connection.
    private readonly object _gate; // this connection itself: no lock object per connection
    private WillMessage? _will;
    private CancellationTokenSource? _connectCancellation;
    private string? _closeReason;
    private bool _closeRequested;
    private bool _gracefulDisconnect;

    public MqttConnection(MqttBroker broker, IDuplexPipe transport, EndPoint? remoteEndPoint, ILogger logger)
    {
        _gate = this;
        _broker = broker;
        _transport = transport;
        _logger = logger;
        RemoteEndPoint = remoteEndPoint;
        Writer = new OutboundWriter(this, broker.Options.MaximumOutboundBytes);
        StartedAt = LastActivity = Environment.TickCount64;
    }

    public OutboundWriter Writer { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The client's address for logs (formatted when asked: an idle connection does not keep the text).</summary>
    public string Remote => RemoteEndPoint?.ToString() ?? "in-process";

    public ProtocolVersion Version { get; private set; } = ProtocolVersion.V500;

    public string ClientId { get; private set; } = "";

    public string? UserName { get; private set; }

    public Session? Session { get; private set; }

    /// <summary>True once CONNACK accepted the connection.</summary>
    public bool IsConnected { get; private set; }

    public long StartedAt { get; }

    public long ConnectedAt { get; private set; }

    /// <summary>Broker clock of the last read: the keep alive reference [MQTT-3.1.2-22].</summary>
    public long LastActivity { get; private set; }

    /// <summary>Effective keep alive in seconds; 0 is none.</summary>
    public ushort KeepAlive { get; private set; }

    /// <summary>Unacknowledged QoS 1/2 messages the client accepts (its Receive Maximum, or the v3 in-flight limit).</summary>
    public int SendWindow { get; private set; } = 1;

    /// <summary>The client's Maximum Packet Size.</summary>
    public long ClientMaximumPacketSize { get; private set; } = NoLimit;

    /// <summary>The client's Topic Alias Maximum: how many aliases the broker may assign towards it.</summary>
    public ushort ClientTopicAliasMaximum { get; private set; }

    /// <summary>
    /// Serves the connection until either side closes it, then completes both sides of the transport. One state
    /// machine for the whole life of the connection, with few locals: it is what an idle connection costs.
    /// </summary>
    public async Task RunAsync()
    {
        if (!_broker.Register(this))
        {
            _transport.Input.Complete();
            _transport.Output.Complete();
            return;
        }

        Writer.Start(_transport.Output);
        try
        {
            // The CONNECT phase waits here too, not in a method of its own: a client whose CONNECT was not there yet
            // when its connection was accepted costs no second state machine.
            var input = _transport.Input;
            bool? connected;
            do
            {
                connected = await ConnectStep(await input.ReadAsync().ConfigureAwait(false)).ConfigureAwait(false);
            }
            while (connected is null);

            if (connected.Value)
            {
                while (HandleRead(await input.ReadAsync().ConfigureAwait(false)))
                {
                }
            }
        }
        catch (Exception e) when (ConnectionLoss.Is(e))
        {
            _closeReason ??= "connection lost";
        }
        catch (Exception e)
        {
            _closeReason ??= "internal error";
            BrokerLog.ConnectionFailed(_logger, e, Remote);
        }
        finally
        {
            OnClosed();

            // The last packets go out on this thread when the socket takes them: no timer and no hop per close.
            ReadBatch.Begin();
            Writer.Complete(null);
            ReadBatch.End();
            var stopped = Writer.WhenStopped();
            if (!stopped.IsCompleted)
            {
                await FinishWriterAsync(stopped).ConfigureAwait(false);
            }

            _transport.Input.Complete();
            _transport.Output.Complete();
            _broker.Unregister(this);
        }
    }

    /// <summary>
    /// Closes the connection from outside the read loop (takeover, keep alive, shutdown, administration): an MQTT 5
    /// client first gets DISCONNECT with <paramref name="reasonCode"/>.
    /// </summary>
    public void Close(ReasonCode? reasonCode, string reason)
    {
        lock (_gate)
        {
            if (_closeRequested)
            {
                return;
            }

            _closeRequested = true;
            _closeReason = reason;
        }

        try
        {
            _connectCancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Authentication finished meanwhile.
        }

        Writer.Complete(reasonCode is { } code && IsConnected && Version == ProtocolVersion.V500
            ? new DisconnectPacket { ReasonCode = code, ReasonString = reason }
            : null);
        _transport.Input.CancelPendingRead();
    }

    /// <summary>Takes the will away so it is published once, by whoever ends the connection first.</summary>
    public WillMessage? TakeWill() => Interlocked.Exchange(ref _will, null);

    public void OnDeliveryDropped(ushort packetId, QualityOfService qos)
    {
        if (qos != QualityOfService.AtMostOnce)
        {
            Session?.DropInflight(this, packetId);
        }
    }

    /// <summary>The writer ended (the peer stopped reading for good, or writing failed): the connection cannot go on.</summary>
    public void OnWriterStopped() => Close(null, "connection lost while writing");

    /// <summary>Writing failed for a reason other than a lost connection: a defect, logged.</summary>
    public void OnWriterFailed(Exception exception)
    {
        _closeReason ??= "internal error while writing";
        BrokerLog.ConnectionFailed(_logger, exception, Remote);
    }

    /// <summary>
    /// Handles one read of the CONNECT phase: null when the CONNECT is not complete yet, else whether the connection
    /// goes on. Synchronous unless the authenticator is not.
    /// </summary>
    private ValueTask<bool?> ConnectStep(in ReadResult result)
    {
        if (result.IsCanceled)
        {
            return new ValueTask<bool?>(false);
        }

        var input = _transport.Input;
        LastActivity = Environment.TickCount64;
        var buffer = result.Buffer;
        var status = FrameReader.TryReadFrame(buffer, _broker.Options.MaximumPacketSize, Version, out var frame, out var error);
        if (status == FrameStatus.Incomplete)
        {
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                _closeReason ??= "connection closed by the client";
                return new ValueTask<bool?>(false);
            }

            return new ValueTask<bool?>((bool?)null);
        }

        if (status == FrameStatus.Error)
        {
            input.AdvanceTo(buffer.Start, buffer.End);
            Violation(error);
            return new ValueTask<bool?>(false);
        }

        // CONNACK (and the session's queued messages) go out on this thread when the CONNECT was handled without waiting.
        ValueTask<bool> connecting;
        ReadBatch.Begin();
        try
        {
            connecting = HandleConnectAsync(frame);
        }
        finally
        {
            ReadBatch.End();
        }

        // The packets behind the CONNECT stay unexamined: the next read hands them out at once.
        var rest = buffer.GetPosition(frame.TotalLength);
        if (!connecting.IsCompletedSuccessfully)
        {
            return AwaitConnectAsync(connecting, rest);
        }

        input.AdvanceTo(rest, rest);
        return new ValueTask<bool?>(connecting.Result && !_closeRequested);
    }

    /// <summary>The rest of <see cref="ConnectStep"/> when the CONNECT waits (an asynchronous authenticator).</summary>
    private async ValueTask<bool?> AwaitConnectAsync(ValueTask<bool> connecting, SequencePosition rest)
    {
        var accepted = await connecting.ConfigureAwait(false);
        _transport.Input.AdvanceTo(rest, rest);
        return accepted && !_closeRequested;
    }

    /// <summary>Handles every complete packet of one read, then sends what it produced; false when the connection ends.</summary>
    private bool HandleRead(in ReadResult result)
    {
        if (result.IsCanceled)
        {
            return false;
        }

        ReadBatch.Begin();
        try
        {
            return HandlePackets(result);
        }
        finally
        {
            ReadBatch.End();
        }
    }

    private bool HandlePackets(in ReadResult result)
    {
        LastActivity = Environment.TickCount64;
        var maximumPacketSize = _broker.Options.MaximumPacketSize;
        var buffer = result.Buffer;
        var stop = false;
        while (!stop && !_closeRequested)
        {
            var status = FrameReader.TryReadFrame(buffer, maximumPacketSize, Version, out var frame, out var error);
            if (status == FrameStatus.Incomplete)
            {
                break;
            }

            if (status == FrameStatus.Error)
            {
                Violation(error);
                stop = true;
                break;
            }

            stop = !HandlePacket(frame);
            buffer = buffer.Slice(frame.TotalLength);
        }

        _transport.Input.AdvanceTo(buffer.Start, buffer.End);
        if (stop || _closeRequested)
        {
            return false;
        }

        if (result.IsCompleted)
        {
            _closeReason ??= "connection closed by the client";
            return false;
        }

        return true;
    }

    private bool HandlePacket(in Frame frame)
    {
        switch (frame.Type)
        {
            case PacketType.Publish:
                return HandlePublish(frame);
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubComp:
                return HandleOutboundAck(frame);
            case PacketType.PubRel:
                return HandlePubRel(frame);
            case PacketType.Subscribe:
                return HandleSubscribe(frame);
            case PacketType.Unsubscribe:
                return HandleUnsubscribe(frame);
            case PacketType.PingReq:
                if (frame.Body.Length != 0)
                {
                    return Violation(new MqttProtocolError(ReasonCode.MalformedPacket, "§2.1.4", "PINGREQ has a body"));
                }

                Writer.EnqueuePacket(PingRespPacket.Instance);
                return true;
            case PacketType.Disconnect:
                return HandleDisconnect(frame);
            case PacketType.Connect:
                return Violation(new MqttProtocolError(ReasonCode.ProtocolError, "MQTT-3.1.0-2", "A second CONNECT on one connection"));
            case PacketType.Auth when Version == ProtocolVersion.V500:
                // No enhanced authentication method was accepted at CONNECT, so AUTH is out of place [MQTT-4.12.0-1].
                return Violation(new MqttProtocolError(ReasonCode.ProtocolError, "MQTT-4.12.0-1", "AUTH without an authentication method in CONNECT"));
            default:
                return Violation(new MqttProtocolError(ReasonCode.ProtocolError, "§3", $"A client may not send {frame.Type}"));
        }
    }

    private bool HandleDisconnect(in Frame frame)
    {
        if (!PacketDecoder.TryDecode(frame, Version, out var packet, out var error))
        {
            return Violation(error);
        }

        var disconnect = (DisconnectPacket)packet;
        if (disconnect.SessionExpiryInterval is { } expiry && Session is { } session)
        {
            if (session.ExpiryInterval == 0 && expiry != 0)
            {
                // [MQTT-3.14.2-2]: a session that was to end at disconnect cannot be extended now.
                return Violation(new MqttProtocolError(ReasonCode.ProtocolError, "MQTT-3.14.2-2", "Session Expiry Interval set in DISCONNECT after 0 in CONNECT"));
            }

            session.UpdateExpiry(Math.Min(expiry, _broker.Options.MaximumSessionExpiryInterval));
        }

        // The will is discarded only on a normal disconnection [MQTT-3.1.2-10]; 0x04 and error codes keep it.
        if (disconnect.ReasonCode == ReasonCode.NormalDisconnection)
        {
            _will = null;
        }

        _gracefulDisconnect = true;
        _closeReason = disconnect.ReasonCode == ReasonCode.NormalDisconnection ? NormalDisconnectReason : $"DISCONNECT {disconnect.ReasonCode}";
        return false;
    }

    /// <summary>Reports a protocol violation: MQTT 5 clients get DISCONNECT with the reason code, then the connection closes.</summary>
    private bool Violation(in MqttProtocolError error)
    {
        BrokerLog.ProtocolViolation(_logger, ClientId, Remote, error.ToString());
        _closeReason = error.ToString();
        lock (_gate)
        {
            _closeRequested = true;
        }

        Writer.Complete(IsConnected && Version == ProtocolVersion.V500
            ? new DisconnectPacket { ReasonCode = error.ReasonCode, ReasonString = error.Message }
            : null);
        return false;
    }

    private void OnClosed()
    {
        if (!IsConnected)
        {
            return;
        }

        _broker.OnConnectionClosed(this, _closeReason ?? "closed", _gracefulDisconnect);
    }

    /// <summary>The close reason of the usual DISCONNECT, formatted once.</summary>
    private static readonly string NormalDisconnectReason = $"DISCONNECT {ReasonCode.NormalDisconnection}";

    /// <summary>How long a closing connection waits for its last packets to be sent.</summary>
    private static readonly TimeSpan WriterGrace = TimeSpan.FromSeconds(5);

    private async Task FinishWriterAsync(Task stopped)
    {
        try
        {
            // A client that stopped reading cannot hold the connection open: bounded wait (no longer than a stop
            // allows), then give up the flush.
            var grace = _broker.IsStopping && _broker.Options.ShutdownTimeout < WriterGrace ? _broker.Options.ShutdownTimeout : WriterGrace;
            await stopped.WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _transport.Output.CancelPendingFlush();
            await stopped.ConfigureAwait(false);
        }
    }
}
