using System.Security.Cryptography;
using Starling.Client.Flows;
using Starling.Client.Resilience;
using Starling.Client.Transport;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.Protocol.Topics;

namespace Starling.Client;

/// <summary>
/// An MQTT 3.1 / 3.1.1 / 5.0 client. Thread-safe: publish, subscribe and read from any number of tasks. After the
/// first successful <see cref="ConnectAsync"/> a lost connection is re-established automatically (see
/// <see cref="MqttClientOptions.Reconnect"/>); publishes made meanwhile are buffered and QoS 1/2 ones are kept until
/// acknowledged.
/// </summary>
public sealed partial class MqttClient : IAsyncDisposable
{
    private readonly ClientSession _session;
    private readonly CancellationTokenSource _lifetime = new();
    // Never disposed: a connect attempt still running when the client is disposed releases it afterwards.
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    // Guards _state and _generation together: which connection is current, and what the client is doing.
    private readonly Lock _stateGate = new();
    private readonly RequestResponse _requests;
    private Task? _dispatcher;

    // True while this flow of execution runs the message handler (DisposeAsync from a handler must not await it).
    private static readonly AsyncLocal<bool> InHandler = new();
    private TaskCompletionSource _connectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile MqttClientState _state;
    private bool _everConnected;
    private volatile bool _stopped;
    private int _generation;
    private Task _watcher = Task.CompletedTask;
    private Task _reconnecting = Task.CompletedTask;
    // Cancelled by DisconnectAsync (and, being linked, by disposal): stops a reconnect in progress.
    private CancellationTokenSource _reconnectStop;

    /// <summary>Creates a client; nothing is opened until <see cref="ConnectAsync"/>.</summary>
    public MqttClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        ClientId = options.ClientId.Length == 0 && options.ProtocolVersion == ProtocolVersion.V310
            ? "starling-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) // 3.1 requires 1 to 23 characters
            : options.ClientId;
        var file = options.PublishBufferFile is { } path ? new PublishBufferFile(path) : null;
        _session = new ClientSession(options.PublishBufferCapacity, options.ReceiveBufferCapacity, file);
        _requests = new RequestResponse(this);
        _reconnectStop = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        _session.Interceptor = _requests.TryComplete;
    }

    /// <summary>The options given at construction.</summary>
    public MqttClientOptions Options { get; }

    /// <summary>The client identifier in use: the configured one, or the one the broker assigned.</summary>
    public string ClientId { get; private set; }

    /// <summary>Current state.</summary>
    public MqttClientState State => _state;

    /// <summary>True while connected.</summary>
    public bool IsConnected => _state == MqttClientState.Connected;

    /// <summary>The CONNACK of the current (or last) connection.</summary>
    public MqttConnectResult? LastConnectResult { get; private set; }

    /// <summary>
    /// Why the last automatic reconnect attempt failed (null after a success): an <see cref="MqttClientException"/> with
    /// the CONNACK's <see cref="MqttClientException.ReasonCode"/> and <see cref="MqttClientException.ServerReference"/>
    /// when the broker refused, or whatever else stopped the attempt. The client keeps trying regardless.
    /// </summary>
    public Exception? LastReconnectError { get; private set; }

    /// <summary>QoS 1/2 publishes waiting to be sent or acknowledged (the offline buffer included).</summary>
    public int PendingPublishCount => _session.PendingCount;

    /// <summary>
    /// Called for every received message, one at a time, on a task of its own (never on the read loop). While it runs
    /// slowly, received messages accumulate up to <see cref="MqttClientOptions.ReceiveBufferCapacity"/>, then the
    /// socket is no longer read. Set it before connecting; use it or <see cref="ReadMessagesAsync"/>, not both.
    /// </summary>
    public Func<MqttMessage, CancellationToken, ValueTask>? MessageHandler { get; set; }

    /// <summary>Raised (on the thread pool) after each successful connect, the automatic ones included.</summary>
    public event EventHandler<MqttConnectResult>? Connected;

    /// <summary>Raised (on the thread pool) when a connection ends, with the reason.</summary>
    public event EventHandler<MqttDisconnectedEventArgs>? Disconnected;

    /// <summary>
    /// Connects. Throws <see cref="MqttClientException"/> with the broker's reason code when it refuses (and its Server
    /// Reference when it redirects), or with the transport error. Not retried: automatic reconnects start only after
    /// a first success.
    /// </summary>
    public async Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_state == MqttClientState.Disposed, this);
        if (_stopped)
        {
            // After DisconnectAsync: a fresh token for the reconnects of this new connection.
            Volatile.Write(ref _reconnectStop, CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token));
            _stopped = false;
        }

        var result = await ConnectOnceAsync(resuming: false, cancellationToken).ConfigureAwait(false);
        if (MessageHandler is { } handler && _dispatcher is null)
        {
            _dispatcher = Task.Run(() => DispatchAsync(handler), CancellationToken.None);
        }

        return result;
    }

    /// <summary>
    /// Publishes. Completes when the QoS flow completes: at once for QoS 0 (queued for the next write), at PUBACK for
    /// QoS 1, at PUBCOMP for QoS 2 (with the PUBREC's reason code). While reconnecting, the message waits in the
    /// offline buffer. Cancelling stops the wait, not the delivery of a message already accepted.
    /// </summary>
    public ValueTask<MqttPublishResult> PublishAsync(MqttMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_state == MqttClientState.Disposed, this);
        if (!TopicValidator.IsValidTopicName(message.Topic))
        {
            throw new ArgumentException($"'{message.Topic}' is not a valid topic name [MQTT-3.3.2-2].", nameof(message));
        }

        if (LastConnectResult?.ConnAck is { } connAck)
        {
            if (connAck.MaximumQoS is { } maximum && message.QoS > maximum)
            {
                throw new MqttClientException($"The broker accepts QoS {(int)maximum} at most [MQTT-3.2.2-11].", ReasonCode.QoSNotSupported);
            }

            if (message.Retain && connAck.RetainAvailable == false)
            {
                throw new MqttClientException("The broker does not support retained messages [MQTT-3.2.2-14].", ReasonCode.RetainNotSupported);
            }
        }

        var packet = message.ToPacket();
        // Checked here, before anything is queued: the writer loop must never meet a packet it cannot encode.
        var size = PacketLimits.PublishSize(packet, Options.ProtocolVersion);
        if (_session.Connection is { ServerMaximumPacketSize: < long.MaxValue } connection && size > connection.ServerMaximumPacketSize)
        {
            throw new MqttClientException($"The message exceeds the broker's Maximum Packet Size of {connection.ServerMaximumPacketSize} bytes.",
                ReasonCode.PacketTooLarge);
        }

        return _session.PublishAsync(packet, allowOffline: _everConnected && Options.Reconnect.Enabled, cancellationToken);
    }

    /// <summary>Publishes a UTF-8 text payload.</summary>
    public ValueTask<MqttPublishResult> PublishAsync(string topic, string payload, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(MqttMessage.Create(topic, payload, qos, retain), cancellationToken);

    /// <summary>Subscribes to one filter (while reconnecting: once connected again).</summary>
    public Task<MqttSubscribeResult> SubscribeAsync(string topicFilter, QualityOfService qos = QualityOfService.AtMostOnce,
        CancellationToken cancellationToken = default) =>
        SubscribeAsync([new TopicSubscription(topicFilter, qos)], null, null, cancellationToken);

    /// <summary>
    /// Subscribes to several filters in one SUBSCRIBE, with the MQTT 5.0 options (No Local, Retain As Published, Retain
    /// Handling, a Subscription Identifier, User Properties). Returns one reason code per filter. Granted filters are
    /// remembered and subscribed again after a reconnect to a broker that lost the session. While the client is
    /// reconnecting, the request waits for the connection (and is sent again if the connection is lost before the
    /// SUBACK); before the first connect it throws.
    /// </summary>
    public async Task<MqttSubscribeResult> SubscribeAsync(IReadOnlyList<TopicSubscription> subscriptions, int? subscriptionIdentifier = null,
        IReadOnlyList<UserProperty>? userProperties = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        foreach (var subscription in subscriptions)
        {
            if (TopicValidator.FindViolation(subscription.TopicFilter) is { } violation)
            {
                throw new ArgumentException($"'{subscription.TopicFilter}' is not a valid topic filter: {violation}", nameof(subscriptions));
            }
        }

        PacketLimits.Check(new SubscribePacket
        {
            PacketId = 1,
            Subscriptions = subscriptions,
            SubscriptionIdentifier = subscriptionIdentifier,
            UserProperties = userProperties ?? [],
        }, Options.ProtocolVersion, nameof(subscriptions));

        var ack = (SubAckPacket)await WhenConnectedAsync(() => _session.RequestAsync(id => new SubscribePacket
        {
            PacketId = id,
            Subscriptions = subscriptions,
            SubscriptionIdentifier = subscriptionIdentifier,
            UserProperties = userProperties ?? [],
        }, cancellationToken), cancellationToken).ConfigureAwait(false);
        var items = new MqttFilterResult[subscriptions.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var code = i < ack.ReasonCodes.Count ? ack.ReasonCodes[i] : ReasonCode.UnspecifiedError;
            items[i] = new MqttFilterResult(subscriptions[i].TopicFilter, code);
            if (ReasonCodes.IsSuccess(code))
            {
                _session.RememberSubscription(subscriptions[i], subscriptionIdentifier);
            }
        }

        return new MqttSubscribeResult(items, ack.ReasonString, ack.UserProperties);
    }

    /// <summary>Unsubscribes; one reason code per filter (MQTT 3.x brokers answer success for all).</summary>
    public async Task<MqttUnsubscribeResult> UnsubscribeAsync(IReadOnlyList<string> topicFilters, IReadOnlyList<UserProperty>? userProperties = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        PacketLimits.Check(new UnsubscribePacket { PacketId = 1, TopicFilters = topicFilters, UserProperties = userProperties ?? [] },
            Options.ProtocolVersion, nameof(topicFilters));
        var ack = (UnsubAckPacket)await WhenConnectedAsync(() => _session.RequestAsync(id => new UnsubscribePacket
        {
            PacketId = id,
            TopicFilters = topicFilters,
            UserProperties = userProperties ?? [],
        }, cancellationToken), cancellationToken).ConfigureAwait(false);
        var items = new MqttFilterResult[topicFilters.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var code = i < ack.ReasonCodes.Count ? ack.ReasonCodes[i] : ReasonCode.Success;
            items[i] = new MqttFilterResult(topicFilters[i], code);
            _session.ForgetSubscription(topicFilters[i]);
        }

        return new MqttUnsubscribeResult(items, ack.ReasonString, ack.UserProperties);
    }

    /// <summary>
    /// Received messages as an asynchronous stream, across reconnects, until the client is disposed. Reading slowly
    /// slows the socket reads; memory stays bounded by <see cref="MqttClientOptions.ReceiveBufferCapacity"/>.
    /// </summary>
    public IAsyncEnumerable<MqttMessage> ReadMessagesAsync(CancellationToken cancellationToken = default) =>
        _session.Received.ReadAllAsync(cancellationToken);

    /// <summary>
    /// MQTT 5.0 request/response: publishes <paramref name="request"/> with a Response Topic owned by this client and
    /// fresh Correlation Data, and returns the first message published back with that Correlation Data.
    /// </summary>
    public Task<MqttMessage> RequestAsync(MqttMessage request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _requests.RequestAsync(request, timeout, cancellationToken);

    /// <summary>
    /// Sends DISCONNECT (MQTT 5.0: with <paramref name="reasonCode"/>; Disconnect With Will Message asks the broker to
    /// publish the will) and closes. No automatic reconnect follows.
    /// </summary>
    public async Task DisconnectAsync(ReasonCode reasonCode = ReasonCode.NormalDisconnection, CancellationToken cancellationToken = default)
    {
        _stopped = true;
        lock (_stateGate)
        {
            // The current connection's watcher no longer decides anything: this call does.
            _generation++;
        }

        // A reconnect in progress ends first, so that no connection appears after this returns.
        await Volatile.Read(ref _reconnectStop).CancelAsync().ConfigureAwait(false);
        await Volatile.Read(ref _reconnecting).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_session.Connection is { } connection)
        {
            await connection.DisconnectAsync(new DisconnectPacket { ReasonCode = reasonCode }, cancellationToken).ConfigureAwait(false);
            // Its watcher detaches it and reports the end; once it has, the session holds no connection.
            await Volatile.Read(ref _watcher).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        SetState(MqttClientState.Disconnected);
    }

    /// <summary>
    /// Runs a SUBSCRIBE or UNSUBSCRIBE exchange; while reconnecting, waits for the connection first, and tries again
    /// when the connection is lost before the answer (both requests are idempotent).
    /// </summary>
    private async Task<T> WhenConnectedAsync<T>(Func<Task<T>> exchange, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_everConnected && _state is MqttClientState.Reconnecting or MqttClientState.Connecting)
            {
                await Volatile.Read(ref _connectedSignal).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await exchange().ConfigureAwait(false);
            }
            catch (MqttClientException) when (_everConnected && !_stopped && Options.Reconnect.Enabled && !cancellationToken.IsCancellationRequested
                && _state is MqttClientState.Reconnecting or MqttClientState.Connecting)
            {
                // Lost meanwhile: wait for the next connection.
            }
        }
    }

    /// <summary>Disconnects (gracefully when connected), stops reconnecting, and fails whatever is still waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_state == MqttClientState.Disposed)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await DisconnectAsync(ReasonCode.NormalDisconnection, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Best effort.
        }

        lock (_stateGate)
        {
            _state = MqttClientState.Disposed; // final: SetState and the watchers leave it alone
            _generation++;
        }

        _connectedSignal.TrySetException(new ObjectDisposedException(nameof(MqttClient)));
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_session.Connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _session.Close(new ObjectDisposedException(nameof(MqttClient)));
        if (_dispatcher is not null && !InHandler.Value)
        {
            // Not from inside a handler: the dispatcher would be waiting for itself.
            await _dispatcher.ConfigureAwait(false);
        }

        _requests.Dispose();
    }
}
