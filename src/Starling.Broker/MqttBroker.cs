using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Starling.Broker.Cluster;
using Starling.Broker.Connections;
using Starling.Broker.Diagnostics;
using Starling.Broker.Retained;
using Starling.Broker.Routing;
using Starling.Broker.Security;
using Starling.Broker.Sessions;
using Starling.Broker.Storage;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Broker;

/// <summary>
/// The MQTT broker engine. It serves any duplex byte pipe (<see cref="RunConnectionAsync"/>): a Kestrel connection,
/// an in-memory pipe in a test, a WebSocket. A host application uses it in-process: publish from code, manage
/// retained messages, list and disconnect clients, and observe connections and messages through events, which run on
/// a dispatcher task and never on a connection's read loop.
/// </summary>
public sealed class MqttBroker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<MqttConnection, byte> _connections = new();
    private readonly SubscriptionTrie _trie = new();
    private readonly Router _router;
    private readonly RetainedStore _retained;
    private readonly ILogger _logger;
    private readonly Channel<Action> _events = Channel.CreateBounded<Action>(new BoundedChannelOptions(65_536)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>True once <see cref="StopAsync"/> began.</summary>
    internal bool IsStopping => _stopping.IsCancellationRequested;
    private readonly Task _housekeeping;
    private readonly Task _eventDispatcher;
    private long _droppedEvents;
    private long _housekeepingTicks;

    /// <summary>
    /// Creates a broker; it accepts connections at once. With a <paramref name="store"/>, it first loads what the store
    /// holds (sessions, their queued and in-flight messages, retained messages, delayed wills) and from then on records
    /// every change of persistent state in it; without one, everything lives in memory only.
    /// </summary>
    /// <exception cref="StoreException">The store cannot be read.</exception>
    public MqttBroker(BrokerOptions? options = null, ILoggerFactory? loggerFactory = null, IAuthenticator? authenticator = null, IAuthorizer? authorizer = null,
        IClusterBus? cluster = null, IBrokerStore? store = null)
    {
        Cluster = cluster ?? SingleNodeBus.Instance;
        Options = options ?? new BrokerOptions();
        Options.Validate();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Starling.Broker");
        Authenticator = authenticator ?? AllowAll.Instance;
        Authorizer = authorizer ?? AllowAll.Instance;
        Sessions = new SessionRegistry(this);
        _router = new Router(_trie, Options.SharedSubscriptionStrategy);
        if (store is not null)
        {
            Journal = new StoreJournal(store, Options.Sync, Options.SyncInterval, _logger);
        }

        _retained = new RetainedStore(Options.MaximumRetainedMessages, Journal);
        if (Journal is not null)
        {
            var snapshot = store!.Load();
            StoreRecovery.Restore(this, snapshot, Journal);
            BrokerLog.StoreLoaded(_logger, store.Description, Sessions.Count, snapshot.Deliveries.Count, _retained.Count);
            Journal.Start();
        }

        _housekeeping = Task.Run(HousekeepingAsync);
        _eventDispatcher = Task.Run(DispatchEventsAsync);
    }

    /// <summary>The options the broker runs with (do not change them after start).</summary>
    public BrokerOptions Options { get; }

    /// <summary>Decides whether a client may connect.</summary>
    public IAuthenticator Authenticator { get; }

    /// <summary>Decides whether a client may publish or subscribe.</summary>
    public IAuthorizer Authorizer { get; }

    /// <summary>The link to other nodes; <see cref="SingleNodeBus"/> when alone.</summary>
    public IClusterBus Cluster { get; }

    /// <summary>Raised after a client is connected.</summary>
    public event EventHandler<ClientConnectedEventArgs>? ClientConnected;

    /// <summary>Raised after a client's connection ended.</summary>
    public event EventHandler<ClientDisconnectedEventArgs>? ClientDisconnected;

    /// <summary>Raised for every message accepted for routing (from clients, wills and code).</summary>
    public event EventHandler<MessagePublishedEventArgs>? MessagePublished;

    /// <summary>Connected clients now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Sessions held (connected and offline persistent ones).</summary>
    public int SessionCount => Sessions.Count;

    /// <summary>Retained messages held.</summary>
    public int RetainedMessageCount => _retained.Count;

    /// <summary>Events not delivered because the handlers fell 65,536 events behind.</summary>
    public long DroppedEvents => Interlocked.Read(ref _droppedEvents);

    internal SessionRegistry Sessions { get; }

    /// <summary>Where persistent state changes are recorded; null without a store.</summary>
    internal StoreJournal? Journal { get; }

    internal RetainedStore Retained => _retained;

    internal SubscriptionTrie Trie => _trie;

    /// <summary>Serves one connection until it ends. Completes both sides of <paramref name="transport"/> when done.</summary>
    public Task RunConnectionAsync(IDuplexPipe transport, EndPoint? remoteEndPoint = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return new MqttConnection(this, transport, remoteEndPoint, _logger).RunAsync();
    }

    /// <summary>Registers a new connection; false when the broker is stopping (the connection then ends at once).</summary>
    internal bool Register(MqttConnection connection)
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }

        _connections.TryAdd(connection, 0);
        if (_stopping.IsCancellationRequested)
        {
            // Stop began between the check above and the registration: this one was missed by the sweep.
            _connections.TryRemove(connection, out _);
            return false;
        }

        return true;
    }

    internal void Unregister(MqttConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>Publishes a message from code, as if a client had (no publisher client id, so No Local never applies).</summary>
    /// <returns>How many sessions the message reached.</returns>
    public int Publish(PublishPacket message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Protocol.Topics.TopicValidator.IsValidTopicName(message.Topic))
        {
            throw new ArgumentException($"'{message.Topic}' is not a valid topic name.", nameof(message));
        }

        return Publish(new BrokerMessage(message, null, Environment.TickCount64));
    }

    /// <summary>Publishes <paramref name="payload"/> to <paramref name="topic"/> from code.</summary>
    public int Publish(string topic, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtMostOnce, bool retain = false) =>
        Publish(new PublishPacket { Topic = topic, Payload = payload, QoS = qos, Retain = retain });

    /// <summary>Stores (or, with an empty payload, deletes) the retained message of a topic without delivering it now.</summary>
    public void SetRetainedMessage(PublishPacket message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _retained.Set(new BrokerMessage(message, null, Environment.TickCount64));
    }

    /// <summary>The retained messages now held.</summary>
    public IReadOnlyList<PublishPacket> GetRetainedMessages() => _retained.Snapshot().Select(m => m.Packet).ToList();

    /// <summary>The connected clients now.</summary>
    public IReadOnlyList<MqttClientInfo> GetClients()
    {
        var now = Environment.TickCount64;
        var clients = new List<MqttClientInfo>();
        foreach (var connection in _connections.Keys)
        {
            if (!connection.IsConnected || connection.Session is not { } session)
            {
                continue;
            }

            List<string> filters;
            lock (session.Gate)
            {
                filters = [.. session.Subscriptions.Keys];
            }

            clients.Add(new MqttClientInfo(connection.ClientId, connection.UserName, connection.RemoteEndPoint, connection.Version,
                connection.KeepAlive, TimeSpan.FromMilliseconds(now - connection.ConnectedAt), filters, session.QueuedCount, session.InflightCount,
                Interlocked.Read(ref connection.Writer.Dropped) + Interlocked.Read(ref session.DroppedMessages)));
        }

        return clients;
    }

    /// <summary>Disconnects a client (MQTT 5 clients get DISCONNECT with <paramref name="reasonCode"/>). False when it is not connected.</summary>
    public bool DisconnectClient(string clientId, ReasonCode reasonCode = ReasonCode.AdministrativeAction)
    {
        var connection = Sessions.Find(clientId)?.Connection;
        if (connection is null)
        {
            return false;
        }

        connection.Close(reasonCode, "disconnected by the server");
        return true;
    }

    /// <summary>
    /// Graceful stop: no new connections; every client is told DISCONNECT 0x8B (Server shutting down) on MQTT 5 and
    /// closed; waits up to <see cref="BrokerOptions.ShutdownTimeout"/> for connections to end.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        foreach (var connection in _connections.Keys)
        {
            connection.Close(ReasonCode.ServerShuttingDown, "server shutting down");
        }

        var deadline = Environment.TickCount64 + (long)Options.ShutdownTimeout.TotalMilliseconds;
        while (!_connections.IsEmpty && Environment.TickCount64 < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }

        _events.Writer.TryComplete();
        await Task.WhenAll(_housekeeping, _eventDispatcher).ConfigureAwait(false);
        if (Journal is not null)
        {
            // The last changes (sessions detached by the closes above) reach the store before the host disposes it.
            await Journal.StopAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        Journal?.Dispose();
    }

    internal int Publish(BrokerMessage message)
    {
        if (message.Packet.Retain)
        {
            _retained.Set(message);
        }

        var count = _router.Route(message);
        Cluster.Forward(message.Packet, message.PublisherClientId);
        if (MessagePublished is not null)
        {
            Raise(() => MessagePublished?.Invoke(this, new MessagePublishedEventArgs(message.PublisherClientId, message.Packet, count)));
        }

        return count;
    }

    /// <summary>
    /// Adds or replaces a subscription of a session: true when it replaced one on the same filter, false when new,
    /// null when refused (the session ended, or holds <see cref="BrokerOptions.MaximumSubscriptionsPerSession"/>).
    /// </summary>
    internal bool? Subscribe(Subscription subscription)
    {
        var session = subscription.Session;
        lock (session.Gate)
        {
            var existed = session.Subscriptions.ContainsKey(subscription.Filter);
            if (session.Ended || (!existed && session.Subscriptions.Count >= Options.MaximumSubscriptionsPerSession))
            {
                return null;
            }

            session.Subscriptions[subscription.Filter] = subscription;
            session.SubscriptionCount = session.Subscriptions.Count;
            _trie.Add(subscription);
            session.Journal?.SaveSubscription(new StoredSubscription(session.StoreId, subscription.Options, subscription.SubscriptionId));
            return existed;
        }
    }

    internal bool Unsubscribe(Session session, string filter)
    {
        lock (session.Gate)
        {
            if (!session.Subscriptions.Remove(filter, out var subscription))
            {
                return false;
            }

            session.SubscriptionCount = session.Subscriptions.Count;
            _trie.Remove(subscription);
            session.Journal?.DeleteSubscription(session.StoreId, filter);
            return true;
        }
    }

    /// <summary>Retained messages for a new subscription, per Retain Handling [MQTT-3.3.1-9] .. [MQTT-3.3.1-11]; none for shared ones.</summary>
    internal void SendRetained(Subscription subscription, bool existed)
    {
        var handling = subscription.Options.RetainHandling;
        if (subscription.ShareName is not null || handling == RetainHandling.DoNotSend || (handling == RetainHandling.SendAtSubscribeIfNew && existed))
        {
            return;
        }

        var messages = new List<BrokerMessage>();
        _retained.Match(subscription.TopicFilter, messages);
        foreach (var message in messages)
        {
            var qos = (QualityOfService)Math.Min((int)message.Packet.QoS, (int)subscription.MaximumQoS);

            // Sent because of a subscribe: RETAIN stays 1 [MQTT-3.3.1-8].
            subscription.Session.Deliver(new Delivery(message, qos, retain: true, new SubscriptionIds(subscription.IdArray)));
        }
    }

    /// <summary>
    /// Removes everything a session holds; publishes its pending will, since the session end is due [MQTT-3.1.3-9];
    /// hands the unacknowledged messages of its shared subscriptions to another member of each group (section 4.8.2).
    /// </summary>
    internal void EndSession(Session session)
    {
        PublishPacket? will;
        lock (session.Gate)
        {
            if (session.SubscriptionCount > 0)
            {
                foreach (var subscription in session.Subscriptions.Values)
                {
                    _trie.Remove(subscription);
                }

                session.Subscriptions.Clear();
            }
            session.SubscriptionCount = 0;
            will = session.PendingWill;
        }

        // Hand over and publish first, forget second: with a store, a crash in between leaves a message twice
        // (at least once), never zero times. No session lock is held while delivering to other sessions.
        if (session.SharedOrphans() is { } orphans)
        {
            foreach (var delivery in orphans)
            {
                if (delivery.Group!.Pick(Options.SharedSubscriptionStrategy) is { } member && member.Session != session)
                {
                    Router.DeliverToMember(member, delivery.Message, delivery.Group);
                }
            }
        }

        if (will is not null)
        {
            PublishWill(will, session.ClientId);
        }

        session.End();
    }

    internal void PublishWill(WillMessage will, string clientId) => PublishWill(WillPublication.ToPacket(will), clientId);

    internal void PublishWill(PublishPacket will, string clientId) => Publish(new BrokerMessage(will, clientId, Environment.TickCount64));

    internal void OnClientConnected(MqttConnection connection)
    {
        if (ClientConnected is not null)
        {
            var args = new ClientConnectedEventArgs(connection.ClientId, connection.UserName, connection.Version, connection.Remote);
            Raise(() => ClientConnected?.Invoke(this, args));
        }
    }

    internal void OnConnectionClosed(MqttConnection connection, string reason, bool graceful)
    {
        var session = connection.Session!;
        var will = connection.TakeWill();
        var delay = connection.Version == ProtocolVersion.V500 ? will?.WillDelayInterval ?? 0 : 0;
        if (session.Detach(connection, will, delay, out var publishNow))
        {
            // A session with expiry 0 ends with its connection; its will goes now whatever its delay [MQTT-3.1.3-9].
            if (session.ExpiryInterval == 0)
            {
                Sessions.TryEnd(session);
            }

            if (publishNow is not null)
            {
                PublishWill(publishNow, session.ClientId);
            }
        }

        if (_logger.IsEnabled(LogLevel.Information))
        {
            BrokerLog.ClientDisconnected(_logger, connection.ClientId, connection.Remote, reason);
        }
        if (ClientDisconnected is not null)
        {
            var args = new ClientDisconnectedEventArgs(connection.ClientId, reason, graceful);
            Raise(() => ClientDisconnected?.Invoke(this, args));
        }
    }

    private void Raise(Action action)
    {
        if (!_events.Writer.TryWrite(action))
        {
            Interlocked.Increment(ref _droppedEvents);
        }
    }

    private async Task DispatchEventsAsync()
    {
        await foreach (var action in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                action();
            }
#pragma warning disable CA1031 // A host's event handler must not take the broker down.
            catch (Exception e)
#pragma warning restore CA1031
            {
                BrokerLog.EventHandlerFailed(_logger, e);
            }
        }
    }

    /// <summary>Timers: connect timeout, keep alive (1.5x) [MQTT-3.1.2-22], PUBREL timeout, will delay, session expiry.</summary>
    private async Task HousekeepingAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    RunHousekeeping(Environment.TickCount64);
                }
#pragma warning disable CA1031 // One bad tick must not stop keep alive, expiry and wills for good.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    BrokerLog.HousekeepingFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void RunHousekeeping(long now)
    {
        var connectTimeout = (long)Options.ConnectTimeout.TotalMilliseconds;
        var pubRelTimeout = (long)Options.PubRelTimeout.TotalMilliseconds;
        foreach (var (connection, _) in _connections) // enumerated in place: Keys would copy every connection, 4 times a second
        {
            if (!connection.IsConnected)
            {
                if (now - connection.StartedAt > connectTimeout)
                {
                    connection.Close(null, "no CONNECT within the connect timeout");
                }

                continue;
            }

            if (connection.KeepAlive > 0 && now - connection.LastActivity > connection.KeepAlive * 1500L)
            {
                connection.Close(ReasonCode.KeepAliveTimeout, "keep alive timeout");
                continue;
            }

            if (pubRelTimeout > 0 && connection.Session is { } session && HasStalePubRel(session, now - pubRelTimeout))
            {
                connection.Close(ReasonCode.ImplementationSpecificError, $"PUBREL not received within {Options.PubRelTimeout.TotalSeconds:0} s of PUBREC");
            }
        }

        _retained.PurgeExpired(now);

        // Offline queues are scanned for expired messages every 10 s: they are reclaimed even if the client never returns.
        var purgeQueues = ++_housekeepingTicks % 40 == 0;
        foreach (var session in Sessions.All)
        {
            if (session.IsOnline)
            {
                continue;
            }

            if (SessionRegistry.IsExpired(session, now))
            {
                if (Sessions.TryEnd(session))
                {
                    BrokerLog.SessionExpired(_logger, session.ClientId);
                }

                continue;
            }

            if (session.DueWill(now) is { } due)
            {
                PublishWill(due, session.ClientId);
                session.ClearWill(due);
            }

            if (purgeQueues)
            {
                session.PurgeExpired(now);
            }
        }
    }

    private static bool HasStalePubRel(Session session, long threshold)
    {
        lock (session.Gate)
        {
            return session.HasInboundOlderThan(threshold);
        }
    }
}
