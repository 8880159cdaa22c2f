using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Starling.Broker;

namespace Starling.Server.Sockets;

/// <summary>
/// Accepts TCP connections and hands each to the broker as a <see cref="SocketConnection"/>, serving it inline until
/// its first wait (usually: its CONNECT is handled at once), so a connection storm is not slowed by a hop per
/// connection. Counts the connections it handed out, so that a stop can wait until every one has ended.
/// <see cref="Create"/> picks the engine: Starling's own epoll loop on Linux, the runtime's sockets elsewhere.
/// </summary>
internal abstract partial class SocketListener : IAsyncDisposable
{
    private readonly MqttBroker _broker;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active = 1; // the listener itself counts as one until it stops, so zero means "stopped and drained"

    protected SocketListener(MqttBroker broker, ILogger logger, Socket socket)
    {
        _broker = broker;
        Logger = logger;
        ListeningSocket = socket;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>The bound address, with the actual port when 0 was asked for.</summary>
    public IPEndPoint EndPoint { get; }

    protected ILogger Logger { get; }

    protected Socket ListeningSocket { get; }

    /// <summary>
    /// A listener bound to <paramref name="endPoint"/>: on Linux (x64, arm64) Starling's epoll loop unless
    /// <paramref name="options"/> ask for the runtime's sockets (always used elsewhere).
    /// </summary>
    public static SocketListener Create(MqttBroker broker, IPEndPoint endPoint, ILogger logger, TcpListenerOptions options)
    {
        var socket = Bind(endPoint, options.DeferAccept);
        try
        {
            return !options.UseRuntimeSockets && Epoll.EpollListener.IsSupported
                ? new Epoll.EpollListener(broker, logger, socket, options.IoThreads)
                : new ManagedSocketListener(broker, logger, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts accepting.</summary>
    public abstract void Start();

    /// <summary>Stops accepting; connections already served go on until the broker closes them.</summary>
    public abstract Task StopAcceptingAsync();

    /// <summary>Completes when every connection handed to the broker has ended (after <see cref="StopAcceptingAsync"/>).</summary>
    public Task DrainAsync(CancellationToken cancellationToken) => _drained.Task.WaitAsync(cancellationToken);

    public virtual async ValueTask DisposeAsync() => await StopAcceptingAsync().ConfigureAwait(false);

    /// <summary>Hands an accepted connection to the broker, which serves it on this thread until its first wait.</summary>
    protected void Serve(TransportSocket socket, EndPoint? remote)
    {
        Interlocked.Increment(ref _active);
        var connection = new SocketConnection(socket, this);

        // Not awaited: the connection reports its end through OnConnectionEnded (no task kept per connection).
        // The broker's connection handles its own failures.
        _ = _broker.RunConnectionAsync(connection, remote);
    }

    /// <summary>Called by a connection once its socket is closed, and by the listener once it stopped accepting.</summary>
    internal void OnConnectionEnded()
    {
        if (Interlocked.Decrement(ref _active) == 0)
        {
            _drained.TrySetResult();
            OnDrained();
        }
    }

    /// <summary>Every connection has ended and no more are accepted: release what the engine holds.</summary>
    protected virtual void OnDrained()
    {
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Accepting a connection failed ({Error}): {Message}")]
    protected static partial void LogAcceptFailed(ILogger logger, SocketError error, string message);

    private static Socket Bind(IPEndPoint endPoint, bool deferAccept)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            socket.DualMode = true;
        }

        try
        {
            socket.NoDelay = true; // accepted sockets inherit it (on Linux: no system call per connection)
            socket.Bind(endPoint);
            if (deferAccept && OperatingSystem.IsLinux())
            {
                // TCP_DEFER_ACCEPT (IPPROTO_TCP 6, option 9), in seconds: see TcpListenerOptions.DeferAccept.
                socket.SetRawSocketOption(6, 9, BitConverter.GetBytes(1));
            }

            socket.Listen(4096);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
