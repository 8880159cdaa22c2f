using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Starling.Broker;
using Starling.Server.Sockets;

namespace Starling.Server;

/// <summary>
/// An MQTT TCP listener for any Generic Host, on Starling's own socket transport (<c>Sockets/</c>): the broker reads
/// and writes each socket directly, with no pipe or per-connection loop in between, and an idle connection holds no
/// buffer. On Linux its own epoll loop drives the sockets (see <see cref="TcpListenerOptions"/>). In a web application, <see cref="StarlingServiceCollectionExtensions.ListenMqtt"/> listens through Kestrel
/// instead.
/// </summary>
public sealed class TcpListenerService : IHostedService, IAsyncDisposable
{
    private readonly MqttBroker _broker;
    private readonly ILogger _logger;
    private readonly TcpListenerOptions _options;
    private SocketListener? _listener;

    /// <summary>Creates a listener for <paramref name="endPoint"/>.</summary>
    public TcpListenerService(MqttBroker broker, IPEndPoint endPoint, ILoggerFactory loggerFactory, TcpListenerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _broker = broker;
        _options = options ?? new TcpListenerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.IoThreads, 1, nameof(options));
        EndPoint = endPoint;
        _logger = loggerFactory.CreateLogger("Starling.Server");
    }

    /// <summary>The socket engine once started: <c>epoll</c> (Starling's own, Linux) or <c>runtime sockets</c>.</summary>
    public string? Engine => _listener is null ? null : _listener is Sockets.Epoll.EpollListener ? "epoll" : "runtime sockets";

    /// <summary>The bound end point (with the actual port once started, when 0 was asked for).</summary>
    public EndPoint EndPoint { get; private set; }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _listener = SocketListener.Create(_broker, (IPEndPoint)EndPoint, _logger, _options);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IOException(e.Message, e);
        }

        EndPoint = _listener.EndPoint;
        _listener.Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null)
        {
            return;
        }

        await _listener.StopAcceptingAsync().ConfigureAwait(false);
        await _broker.StopAsync(cancellationToken).ConfigureAwait(false);
        await _listener.DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
    }
}
