using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Starling.Broker;

namespace Starling.Server.Sockets;

/// <summary>
/// Accepts TCP connections and hands each to the broker as a <see cref="SocketConnection"/>. The accept loop serves a
/// new connection inline until its first wait (usually: its CONNECT is handled at once), so a connection storm is not
/// slowed by a hop per connection.
/// </summary>
internal sealed partial class SocketListener : IAsyncDisposable
{
    private readonly MqttBroker _broker;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _acceptLoop;
    private int _active = 1; // the listener itself counts as one until it stops, so zero means "stopped and drained"

    public SocketListener(MqttBroker broker, IPEndPoint endPoint, ILogger logger)
    {
        _broker = broker;
        _logger = logger;
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            _socket.DualMode = true;
        }

        try
        {
            _socket.Bind(endPoint);
            _socket.Listen(4096);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The bound address, with the actual port when 0 was asked for.</summary>
    public IPEndPoint EndPoint { get; }

    public void Start() => _acceptLoop = AcceptAsync();

    /// <summary>Stops accepting; connections already served go on until the broker closes them.</summary>
    public async Task StopAcceptingAsync()
    {
        _socket.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
    }

    /// <summary>Completes when every connection handed to the broker has ended (after <see cref="StopAcceptingAsync"/>).</summary>
    public Task DrainAsync(CancellationToken cancellationToken) => _drained.Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync() => await StopAcceptingAsync().ConfigureAwait(false);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await _socket.AcceptAsync(CancellationToken.None).ConfigureAwait(false); // the ValueTask overload: no Task per accept
                }
                catch (SocketException e) when (e.SocketErrorCode is not (SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown))
                {
                    // Out of file descriptors, or the client gave up before the accept: go on, without spinning.
                    LogAcceptFailed(_logger, e.SocketErrorCode, e.Message);
                    await Task.Delay(10).ConfigureAwait(false);
                    continue;
                }

                client.NoDelay = true;
                client.Blocking = false; // the reader and writer use non-blocking calls, falling back to waits

                Interlocked.Increment(ref _active);
                var connection = new SocketConnection(client, this);

                // Not awaited: the connection reports its end through OnConnectionEnded (no task kept per connection).
                // The broker's connection handles its own failures.
                _ = _broker.RunConnectionAsync(connection, connection.RemoteEndPoint);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The listening socket was closed: stop accepting.
        }
        finally
        {
            OnConnectionEnded();
        }
    }

    /// <summary>Called by a connection once its socket is closed.</summary>
    internal void OnConnectionEnded()
    {
        if (Interlocked.Decrement(ref _active) == 0)
        {
            _drained.TrySetResult();
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Accepting a connection failed ({Error}): {Message}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error, string message);
}
