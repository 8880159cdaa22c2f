using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Starling.Broker;
using Starling.Broker.Security;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.Server;

namespace Starling.TestKit;

/// <summary>
/// A Starling broker in this process, listening on a free loopback port through Kestrel's socket transport, so
/// tests talk to it over real TCP exactly as clients do. Stopped on dispose.
/// </summary>
public sealed class BrokerFixture : IAsyncDisposable
{
    private readonly TcpListenerService _listener;

    private BrokerFixture(MqttBroker broker, TcpListenerService listener)
    {
        Broker = broker;
        _listener = listener;
    }

    public MqttBroker Broker { get; }

    public int Port => ((IPEndPoint)_listener.EndPoint).Port;

    public static async Task<BrokerFixture> StartAsync(Action<BrokerOptions>? configure = null, IAuthenticator? authenticator = null,
        IAuthorizer? authorizer = null, Broker.Cluster.IClusterBus? cluster = null, Broker.Storage.IBrokerStore? store = null,
        TcpListenerOptions? listenerOptions = null, CancellationToken cancellationToken = default)
    {
        var options = new BrokerOptions();
        configure?.Invoke(options);
        var broker = new MqttBroker(options, NullLoggerFactory.Instance, authenticator, authorizer, cluster, store);
        var listener = new TcpListenerService(broker, new IPEndPoint(IPAddress.Loopback, 0), NullLoggerFactory.Instance, listenerOptions);
        await listener.StartAsync(cancellationToken).ConfigureAwait(false);
        return new BrokerFixture(broker, listener);
    }

    /// <summary>A raw client connected at TCP level only (nothing sent yet).</summary>
    public Task<RawMqttClient> OpenAsync(CancellationToken cancellationToken = default) =>
        RawMqttClient.ConnectAsync("127.0.0.1", Port, cancellationToken);

    /// <summary>A raw client that has completed CONNECT / CONNACK successfully.</summary>
    public async Task<RawMqttClient> ConnectAsync(string clientId, ProtocolVersion version = ProtocolVersion.V500, bool cleanSession = true,
        Func<ConnectPacket, ConnectPacket>? customize = null, CancellationToken cancellationToken = default)
    {
        var client = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var connect = new ConnectPacket { ProtocolVersion = version, ClientId = clientId, CleanSession = cleanSession, KeepAlive = 60 };
        await client.SendAsync(customize?.Invoke(connect) ?? connect, cancellationToken).ConfigureAwait(false);
        var connack = await client.ExpectAsync<ConnAckPacket>(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (connack.ReasonCode != ReasonCode.Success)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"CONNECT of {clientId} refused with {connack.ReasonCode}.");
        }

        client.LastConnAck = connack;
        return client;
    }

    /// <summary>
    /// Leaves a persistent session subscribed and offline: connects with <paramref name="customize"/> (which must ask
    /// for a persistent session), subscribes, disconnects normally and waits until the broker has no connection left.
    /// </summary>
    public async Task ParkSessionAsync(string clientId, string filter, QualityOfService qos, ProtocolVersion version,
        Func<ConnectPacket, ConnectPacket> customize, int? subscriptionId = null, CancellationToken cancellationToken = default)
    {
        await using (var client = await ConnectAsync(clientId, version, cleanSession: false, customize, cancellationToken).ConfigureAwait(false))
        {
            await client.SubscribeAsync(filter, qos, subscriptionId: subscriptionId, cancellationToken: cancellationToken).ConfigureAwait(false);
            await client.SendAsync(DisconnectPacket.Normal, cancellationToken).ConfigureAwait(false);
            await client.ExpectClosedAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await WaitFor.ConditionAsync(() => Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), $"{clientId} to go offline", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        await Broker.DisposeAsync().ConfigureAwait(false);
    }
}
