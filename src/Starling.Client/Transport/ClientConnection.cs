using System.IO.Pipelines;
using System.Threading.Channels;
using Starling.Client.Flows;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Client.Transport;

/// <summary>
/// One network connection: the CONNECT handshake, then one read loop (every whole packet in a read is handled before
/// reading again), one writer loop (everything queued is encoded, then one flush) and the keep-alive timer. Topic
/// aliases live here because they end with the connection [MQTT-3.3.2-7].
/// </summary>
internal sealed partial class ClientConnection : IAsyncDisposable
{
    // QoS 0 publishers wait when this many packets are queued and not yet written: memory stays bounded.
    private const int SoftQueueLimit = 8192;
    private const int FlushThreshold = 256 * 1024;

    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<OutboundPacket> _outbound = Channel.CreateUnbounded<OutboundPacket>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<DisconnectInfo> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _drainGate = new();
    private readonly Dictionary<ushort, string> _incomingAliases = [];
    private readonly Dictionary<string, ushort> _outgoingAliases = new(StringComparer.Ordinal);
    private TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IPacketHandler? _handler;
    private Task _loops = Task.CompletedTask;
    private Task _writer = Task.CompletedTask;
    private int _tornDown;
    private int _queued;
    private int _maximumIncoming = int.MaxValue;
    private ushort _topicAliasMaximum;
    private int _drainWaited;
    private bool _waitingForApplication;
    private long _lastSent = Environment.TickCount64;
    private long _lastReceived = Environment.TickCount64;

    private ClientConnection(Stream stream, ProtocolVersion version)
    {
        _stream = stream;
        Version = version;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024));
    }

    public ProtocolVersion Version { get; }

    /// <summary>Largest packet the broker accepts (MQTT 5.0 Maximum Packet Size), or <see cref="long.MaxValue"/>.</summary>
    public long ServerMaximumPacketSize { get; private set; } = long.MaxValue;

    /// <summary>How many topic aliases the broker accepts from us.</summary>
    public ushort ServerTopicAliasMaximum { get; private set; }

    /// <summary>Completes once, with the first cause, when the connection ends.</summary>
    public Task<DisconnectInfo> Closed => _closed.Task;

    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>
    /// Opens the transport and exchanges CONNECT / CONNACK (with AUTH round trips when enhanced authentication asks
    /// for them). The CONNACK is returned whatever its reason code; the caller closes a refused connection.
    /// </summary>
    public static async Task<(ClientConnection Connection, ConnAckPacket ConnAck)> OpenAsync(MqttClientOptions options, ConnectPacket connect,
        CancellationToken cancellationToken)
    {
        var stream = await TransportFactory.ConnectAsync(options.Server, options.Tls, cancellationToken).ConfigureAwait(false);
        var connection = new ClientConnection(stream, connect.ProtocolVersion);
        try
        {
            var connAck = await connection.HandshakeAsync(options, connect, cancellationToken).ConfigureAwait(false);
            return (connection, connAck);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts the loops once the session has attached itself. <paramref name="topicAliasMaximum"/> is the Topic Alias
    /// Maximum the CONNECT announced (0: none): the broker's aliases must stay within it.
    /// </summary>
    public void Start(IPacketHandler handler, TimeSpan keepAlive, TimeSpan pingTimeout, bool useOutgoingAliases, uint? maximumPacketSize,
        ushort topicAliasMaximum)
    {
        _handler = handler;
        _topicAliasMaximum = topicAliasMaximum;
        _maximumIncoming = maximumPacketSize is { } limit ? (int)Math.Min(limit, int.MaxValue) : int.MaxValue;
        if (!useOutgoingAliases)
        {
            ServerTopicAliasMaximum = 0;
        }

        _writer = Task.Run(WriteLoopAsync);
        _loops = Task.WhenAll(
            Task.Run(ReadLoopAsync),
            _writer,
            keepAlive > TimeSpan.Zero ? Task.Run(() => KeepAliveLoopAsync(keepAlive, pingTimeout)) : Task.CompletedTask);
    }

    /// <summary>Queues a packet. Completes at once unless too much is queued already (then waits for the writer).</summary>
    public ValueTask EnqueueAsync(OutboundPacket packet, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _queued) < SoftQueueLimit)
        {
            Enqueue(packet);
            return default;
        }

        return EnqueueWhenDrainedAsync(packet, cancellationToken);
    }

    /// <summary>Queues a packet whatever the queue length (acknowledgements, resends bounded by the in-flight window).</summary>
    public void Enqueue(OutboundPacket packet)
    {
        Interlocked.Increment(ref _queued);
        if (!_outbound.Writer.TryWrite(packet))
        {
            // The connection is closing: the session keeps every QoS 1/2 message and resends it on the next one.
            Interlocked.Decrement(ref _queued);
        }
    }

    /// <summary>Ends the connection now; the first cause given is the one reported.</summary>
    public void Abort(DisconnectInfo info)
    {
        _closed.TrySetResult(info);
        if (Interlocked.Exchange(ref _tornDown, 1) != 0)
        {
            return;
        }

        _outbound.Writer.TryComplete();
        _stop.Cancel();
        lock (_drainGate)
        {
            _drained.TrySetResult();
        }

        // Disposing the stream wakes a read that is waiting on the socket.
        _stream.Dispose();
    }

    /// <summary>Sends DISCONNECT after everything already queued, waits for it to be written, then closes.</summary>
    public async Task DisconnectAsync(DisconnectPacket disconnect, CancellationToken cancellationToken)
    {
        Enqueue(OutboundPacket.Control(disconnect));
        _outbound.Writer.TryComplete();
        try
        {
            // Only the writer: the DISCONNECT must be on the wire; the broker need not close first.
            await _writer.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException)
        {
            // Closing anyway.
        }

        Abort(new DisconnectInfo(disconnect.ReasonCode, "Disconnected by the client"));
    }

    public async ValueTask DisposeAsync()
    {
        Abort(new DisconnectInfo(null, "Connection disposed"));
        try
        {
            await _loops.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The loops record their own failures through Abort; disposing never rethrows them.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Loops end by cancellation or a closed stream; any other cause is already in Closed.
        }

        // Returns the pipes' pooled buffers; the stream is closed already, so nothing is written.
        try
        {
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync(new ObjectDisposedException(nameof(ClientConnection))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Already completed or the stream refused: nothing left to release.
        }

        _stop.Dispose();
    }

    private async ValueTask EnqueueWhenDrainedAsync(OutboundPacket packet, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task drained;
            lock (_drainGate)
            {
                // Announce the wait before checking (both with full fences; the writer decrements, then reads the flag):
                // either the writer sees the flag and signals, or this check sees its decrement. No lost wake-up.
                Interlocked.Exchange(ref _drainWaited, 1);
                if (Volatile.Read(ref _queued) < SoftQueueLimit || IsClosed)
                {
                    break;
                }

                drained = _drained.Task;
            }

            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        Enqueue(packet);
    }

    private void SignalDrained()
    {
        if (Volatile.Read(ref _drainWaited) == 0)
        {
            return; // nobody waits: no signal, no allocation
        }

        TaskCompletionSource drained;
        lock (_drainGate)
        {
            drained = _drained;
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _drainWaited = 0;
        }

        drained.TrySetResult();
    }
}
