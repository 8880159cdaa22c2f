using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Starling.Broker;

namespace Starling.Server;

/// <summary>
/// An MQTT TCP listener on Kestrel's socket transport without the HTTP server: accept, hand the connection's pipes
/// to the broker. For Generic Host applications that have no web host.
/// </summary>
public sealed class TcpListenerService : IHostedService, IAsyncDisposable
{
    private readonly MqttBroker _broker;
    private readonly SocketTransportFactory _transport;
    private readonly List<Task> _connections = [];
    private readonly Lock _gate = new();
    private IConnectionListener? _listener;
    private Task? _acceptLoop;

    /// <summary>Creates a listener for <paramref name="endPoint"/>.</summary>
    public TcpListenerService(MqttBroker broker, IPEndPoint endPoint, ILoggerFactory loggerFactory)
    {
        _broker = broker;
        EndPoint = endPoint;
        var socketOptions = new SocketTransportOptions();
        StarlingServiceCollectionExtensions.ConfigureSockets(socketOptions);
        _transport = new SocketTransportFactory(Options.Create(socketOptions), loggerFactory);
    }

    /// <summary>The bound end point (with the actual port once started, when 0 was asked for).</summary>
    public EndPoint EndPoint { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = await _transport.BindAsync(EndPoint, cancellationToken).ConfigureAwait(false);
        EndPoint = _listener.EndPoint;
        _acceptLoop = AcceptAsync(_listener);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null)
        {
            return;
        }

        await _listener.UnbindAsync(cancellationToken).ConfigureAwait(false);
        await _broker.StopAsync(cancellationToken).ConfigureAwait(false);
        Task[] running;
        lock (_gate)
        {
            running = [.. _connections];
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task AcceptAsync(IConnectionListener listener)
    {
        while (await listener.AcceptAsync().ConfigureAwait(false) is { } connection)
        {
            var task = ServeAsync(connection);
            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        await Task.Yield();
        try
        {
            await _broker.RunConnectionAsync(connection.Transport, connection.RemoteEndPoint).ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
