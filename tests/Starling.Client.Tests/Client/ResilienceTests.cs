using System.Globalization;
using Starling.Client.Tests.Support;
using Starling.Protocol;

namespace Starling.Client.Tests.Client;

/// <summary>Reconnect, offline buffer, session resumption, keep alive and will, against mosquitto and Starling.</summary>
public sealed class ResilienceTests
{
    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task After_the_broker_is_killed_and_restarted_the_offline_buffer_is_flushed_and_nothing_is_lost_at_QoS_1_and_2(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var options = ClientTestExtensions.Options(broker.Uri, "offline");
        await using var client = await ClientTestExtensions.ConnectedAsync(options, ct);
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource<MqttConnectResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e);
        client.Connected += (_, e) => reconnected.TrySetResult(e);
        await client.SubscribeAsync("offline/#", QualityOfService.ExactlyOnce, ct);

        await broker.KillAsync();
        var lost = await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.True(lost.WillReconnect);
        Assert.Equal(MqttClientState.Reconnecting, client.State);

        // Published while the broker is down: buffered, and the tasks complete only once acknowledged.
        var publishes = Enumerable.Range(0, 40).Select(i => client.PublishAsync($"offline/{i % 2 + 1}", i.ToString(CultureInfo.InvariantCulture),
            (QualityOfService)(i % 2 + 1), cancellationToken: ct).AsTask()).ToList();
        Assert.Equal(40, client.PendingPublishCount);
        Assert.All(publishes, p => Assert.False(p.IsCompleted));

        await broker.StartAgainAsync(ct);
        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(15), ct);
        var results = await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(15), ct);
        Assert.All(results, r => Assert.True(r.IsSuccess));

        // The subscription was restored before the buffer was flushed, so every message came back.
        var received = await client.ExpectMessagesAsync(40);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(), received.Select(m => m.PayloadAsString()).Order());
        await client.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(200)); // QoS 2: no duplicates
        Assert.Equal(0, client.PendingPublishCount);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task A_subscription_requested_while_reconnecting_is_made_once_the_broker_is_back(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var client = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "late-sub"), ct);
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, _) => disconnected.TrySetResult();
        await broker.KillAsync();
        await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);

        var subscribing = client.SubscribeAsync("late/#", QualityOfService.AtLeastOnce, ct);
        Assert.False(subscribing.IsCompleted);
        await broker.StartAgainAsync(ct);

        var result = await subscribing.WaitAsync(TimeSpan.FromSeconds(15), ct);
        Assert.Equal(ReasonCode.GrantedQoS1, Assert.Single(result.Items).ReasonCode);
        await client.PublishAsync("late/x", "made it", QualityOfService.AtLeastOnce, cancellationToken: ct);
        Assert.Equal("made it", (await client.ExpectMessageAsync()).PayloadAsString());
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Publishes_in_flight_when_the_network_dies_are_resent_on_the_resumed_session(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var proxy = new TcpProxy(broker.Port);
        await using var watcher = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "watch"), ct);
        await watcher.SubscribeAsync("inflight/#", QualityOfService.ExactlyOnce, ct);
        var options = ClientTestExtensions.Options(proxy.Uri, "inflight");
        options.SessionExpiryInterval = 300;
        await using var client = await ClientTestExtensions.ConnectedAsync(options, ct);
        var resumed = new TaskCompletionSource<MqttConnectResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connected += (_, e) => resumed.TrySetResult(e);

        proxy.Freeze(); // the publishes leave the client but never reach the broker
        var publishes = Enumerable.Range(0, 10).Select(i => client.PublishAsync("inflight/x", i.ToString(CultureInfo.InvariantCulture),
            (QualityOfService)(i % 2 + 1), cancellationToken: ct).AsTask()).ToList();
        await Task.Delay(100, ct); // ok-to-sleep: lets the writer hand them to the frozen socket; the assertion below does not depend on it
        Assert.All(publishes, p => Assert.False(p.IsCompleted));
        proxy.DropAll();

        var connAck = await resumed.Task.WaitAsync(TimeSpan.FromSeconds(15), ct);
        Assert.True(connAck.SessionPresent); // [MQTT-3.2.2-2]
        await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(15), ct);
        // Counted raw: nothing reached the broker before the drop and the resumed session resends each once
        // [MQTT-4.4.0-1], so every message arrives exactly once, QoS 1 ones included.
        var received = await watcher.ExpectMessagesAsync(10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(), received.Select(m => m.PayloadAsString()).Order());
        await watcher.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(300)); // no late duplicate either
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto, QualityOfService.AtLeastOnce)]
    [InlineData(BrokerKind.Mosquitto, QualityOfService.ExactlyOnce)]
    [InlineData(BrokerKind.Starling, QualityOfService.AtLeastOnce)]
    [InlineData(BrokerKind.Starling, QualityOfService.ExactlyOnce)]
    public async Task Messages_a_slow_consumer_had_not_taken_when_the_network_died_are_redelivered_by_the_resumed_session(BrokerKind kind, QualityOfService qos)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var proxy = new TcpProxy(broker.Port);
        var options = ClientTestExtensions.Options(proxy.Uri, $"redeliver-{qos}");
        options.SessionExpiryInterval = 300;
        options.ReceiveBufferCapacity = 1; // one message buffered; the read loop holds the next one, unacknowledged
        options.KeepAlive = TimeSpan.FromSeconds(1); // the next PINGREQ finds the socket dead while the read loop waits
        await using var consumer = await ClientTestExtensions.ConnectedAsync(options, ct);
        var resumed = new TaskCompletionSource<MqttConnectResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        consumer.Connected += (_, e) => resumed.TrySetResult(e);
        await consumer.SubscribeAsync("redeliver/#", qos, ct);
        await using (var sender = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, $"redeliver-tx-{qos}"), ct))
        {
            for (var i = 0; i < 3; i++)
            {
                await sender.PublishAsync("redeliver/x", $"r{i}", qos, cancellationToken: ct);
            }
        }

        await Task.Delay(200, ct); // ok-to-sleep: lets the broker push what it can; the outcome below does not depend on it
        proxy.DropAll();
        Assert.True((await resumed.Task.WaitAsync(TimeSpan.FromSeconds(15), ct)).SessionPresent);

        // The broker resends what was not acknowledged [MQTT-4.4.0-1]; nothing is lost, and QoS 2 brings no duplicate.
        // At QoS 1 a message held (unacknowledged) when the connection died arrives again: duplicates are allowed.
        var received = new List<string>();
        while (received.Distinct().Count() < 3)
        {
            received.Add((await consumer.ExpectMessageAsync()).PayloadAsString());
        }

        Assert.Equal(["r0", "r1", "r2"], received.Distinct().Order());
        if (qos == QualityOfService.ExactlyOnce)
        {
            Assert.Equal(3, received.Count);
            await consumer.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(300));
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto, ProtocolVersion.V311)]
    [InlineData(BrokerKind.Mosquitto, ProtocolVersion.V500)]
    [InlineData(BrokerKind.Starling, ProtocolVersion.V311)]
    [InlineData(BrokerKind.Starling, ProtocolVersion.V500)]
    public async Task A_resumed_session_receives_what_was_published_while_it_was_away(BrokerKind kind, ProtocolVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        MqttClientOptions Persistent(bool clean)
        {
            var o = ClientTestExtensions.Options(broker.Uri, $"resume-{version}", version);
            o.CleanStart = clean;
            o.SessionExpiryInterval = version == ProtocolVersion.V500 ? 300u : null;
            return o;
        }

        // 3.1.1 keeps a session only for Clean Session = 0 [MQTT-3.1.2-4]; 5.0 keeps it for its Session Expiry Interval.
        await using (var first = await ClientTestExtensions.ConnectedAsync(Persistent(clean: version == ProtocolVersion.V500), ct))
        {
            await first.SubscribeAsync("resume/#", QualityOfService.AtLeastOnce, ct);
            await first.DisconnectAsync(cancellationToken: ct);
        }

        await using (var sender = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "resume-tx"), ct))
        {
            for (var i = 0; i < 5; i++)
            {
                await sender.PublishAsync("resume/x", $"m{i}", QualityOfService.AtLeastOnce, cancellationToken: ct);
            }
        }

        var persistentOptions = Persistent(clean: false);
        persistentOptions.CleanStart = false;
        await using var second = new MqttClient(persistentOptions);
        var connAck = await second.ConnectAsync(ct);

        Assert.True(connAck.SessionPresent);
        var received = await second.ExpectMessagesAsync(5);
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], received.Select(m => m.PayloadAsString()));
    }

    [Fact(Timeout = 60_000)]
    public async Task Mosquitto_restarted_with_persistence_keeps_the_session_and_its_queued_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(BrokerKind.Mosquitto, ct);
        var options = ClientTestExtensions.Options(broker.Uri, "persisted");
        options.SessionExpiryInterval = 3600;
        options.CleanStart = false; // mosquitto 2.0.11 does not write a Clean Start session to its persistence file
        options.Reconnect.Enabled = false;
        await using (var first = await ClientTestExtensions.ConnectedAsync(options, ct))
        {
            await first.SubscribeAsync("persisted/#", QualityOfService.AtLeastOnce, ct);
            await first.DisconnectAsync(cancellationToken: ct);
        }

        await using (var sender = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "persisted-tx"), ct))
        {
            await sender.PublishAsync("persisted/x", "kept", QualityOfService.AtLeastOnce, cancellationToken: ct);
        }

        await broker.StopGracefullyAsync(ct);
        await broker.StartAgainAsync(ct);
        options.CleanStart = false;
        await using var second = new MqttClient(options);
        Assert.True((await second.ConnectAsync(ct)).SessionPresent);
        Assert.Equal("kept", (await second.ExpectMessageAsync()).PayloadAsString());
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Unacknowledged_publishes_kept_in_the_buffer_file_are_sent_by_the_next_run_of_the_application(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var watcher = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "file-watch"), ct);
        await watcher.SubscribeAsync("file/#", QualityOfService.AtLeastOnce, ct);
        var file = Path.Combine(broker.Directory, "client-buffer.log");
        await using var proxy = new TcpProxy(broker.Port);
        var options = ClientTestExtensions.Options(proxy.Uri, "file");
        options.PublishBufferFile = file;
        options.Reconnect.Enabled = false; // the first run must not get its messages through before it stops

        await using (var firstRun = await ClientTestExtensions.ConnectedAsync(options, ct))
        {
            proxy.Freeze(); // nothing reaches the broker, nothing is acknowledged
            var pending = Enumerable.Range(0, 5).Select(i => firstRun.PublishAsync("file/x", $"f{i}", QualityOfService.AtLeastOnce, cancellationToken: ct).AsTask()).ToList();
            Assert.Equal(5, firstRun.PendingPublishCount);
            proxy.DropAll();
        } // the application stops with 5 messages unacknowledged

        var secondOptions = ClientTestExtensions.Options(broker.Uri, "file");
        secondOptions.PublishBufferFile = file;
        await using var secondRun = await ClientTestExtensions.ConnectedAsync(secondOptions, ct);
        var received = await watcher.ExpectMessagesAsync(5);
        Assert.Equal(["f0", "f1", "f2", "f3", "f4"], received.Select(m => m.PayloadAsString()).Order());
        await WaitForAsync(() => secondRun.PendingPublishCount == 0, ct);
        var lines = await File.ReadAllLinesAsync(file, ct);
        Assert.DoesNotContain(lines, line => line.StartsWith("+ ", StringComparison.Ordinal) && !IsRemoved(lines, line));
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task The_will_is_published_when_the_socket_drops_without_DISCONNECT(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var proxy = new TcpProxy(broker.Port);
        await using var watcher = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "will-watch"), ct);
        await watcher.SubscribeAsync("will/#", QualityOfService.AtLeastOnce, ct);
        var options = ClientTestExtensions.Options(proxy.Uri, "will-client");
        options.Will = new MqttMessage { Topic = "will/gone", Payload = "bye"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, ContentType = "text/plain" };
        options.Reconnect.Enabled = false;
        await using var client = await ClientTestExtensions.ConnectedAsync(options, ct);
        await watcher.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(200));

        proxy.DropAll(); // [MQTT-3.1.2-8]: the will is published when the connection closes without DISCONNECT

        var will = await watcher.ExpectMessageAsync();
        Assert.Equal("will/gone", will.Topic);
        Assert.Equal("bye", will.PayloadAsString());
        Assert.Equal("text/plain", will.ContentType);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task A_will_with_a_delay_is_published_only_after_the_delay(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var proxy = new TcpProxy(broker.Port);
        await using var watcher = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "delay-watch"), ct);
        await watcher.SubscribeAsync("delayed/#", QualityOfService.AtLeastOnce, ct);
        var options = ClientTestExtensions.Options(proxy.Uri, "delay-client");
        options.Will = MqttMessage.Create("delayed/gone", "late", QualityOfService.AtLeastOnce);
        options.WillDelayInterval = 2;
        options.SessionExpiryInterval = 60; // the will waits for the delay or the session's end, whichever is first [MQTT-3.1.3-9]
        options.Reconnect.Enabled = false;
        await using var client = await ClientTestExtensions.ConnectedAsync(options, ct);
        var dropped = System.Diagnostics.Stopwatch.StartNew();

        proxy.DropAll();

        var will = await watcher.ExpectMessageAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("late", will.PayloadAsString());
        Assert.True(dropped.Elapsed >= TimeSpan.FromSeconds(1.5), $"the will came after {dropped.Elapsed.TotalSeconds:0.0} s");
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task DISCONNECT_with_reason_0x04_asks_the_broker_to_publish_the_will(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var watcher = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "will4-watch"), ct);
        await watcher.SubscribeAsync("will4/#", QualityOfService.AtLeastOnce, ct);
        var options = ClientTestExtensions.Options(broker.Uri, "will4-client");
        options.Will = MqttMessage.Create("will4/gone", "asked for", QualityOfService.AtLeastOnce);
        await using (var client = await ClientTestExtensions.ConnectedAsync(options, ct))
        {
            await client.DisconnectAsync(ReasonCode.DisconnectWithWillMessage, ct); // §3.14.2.1, reason 0x04
        }

        Assert.Equal("asked for", (await watcher.ExpectMessageAsync()).PayloadAsString());
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task The_will_is_not_published_after_a_normal_DISCONNECT(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var watcher = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "will2-watch"), ct);
        await watcher.SubscribeAsync("will2/#", QualityOfService.AtLeastOnce, ct);
        var options = ClientTestExtensions.Options(broker.Uri, "will2-client", ProtocolVersion.V311);
        options.Will = MqttMessage.Create("will2/gone", "bye", QualityOfService.AtLeastOnce);
        await using (var client = await ClientTestExtensions.ConnectedAsync(options, ct))
        {
            await client.DisconnectAsync(cancellationToken: ct); // [MQTT-3.1.2-10]: DISCONNECT discards the will
        }

        await watcher.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(500));
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Pings_keep_an_idle_connection_open_and_a_silent_network_is_detected_as_dead(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var proxy = new TcpProxy(broker.Port);
        var options = ClientTestExtensions.Options(proxy.Uri, "ka");
        options.KeepAlive = TimeSpan.FromSeconds(1);
        options.Reconnect.Enabled = false;
        await using var client = await ClientTestExtensions.ConnectedAsync(options, ct);
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e);

        // Idle for twice the keep alive: the broker would close a silent client after 1.5 x keep alive [MQTT-3.1.2-24].
        await Assert.ThrowsAsync<TimeoutException>(() => disconnected.Task.WaitAsync(TimeSpan.FromSeconds(2.5), ct));
        Assert.True(client.IsConnected);

        proxy.Freeze();
        var dead = await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.Equal(ReasonCode.KeepAliveTimeout, dead.ReasonCode);
        Assert.Equal(MqttClientState.Disconnected, client.State);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task A_consumer_slower_than_the_keep_alive_does_not_get_its_healthy_connection_declared_dead(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var options = ClientTestExtensions.Options(broker.Uri, "patient");
        options.KeepAlive = TimeSpan.FromSeconds(1);
        options.ReceiveBufferCapacity = 3; // 3 buffered + 3 parked: the 5 messages never hold up the read loop
        await using var client = await ClientTestExtensions.ConnectedAsync(options, ct);
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e);
        await client.SubscribeAsync("patient/#", QualityOfService.AtLeastOnce, ct);
        // The client publishes to itself and awaits each PUBACK while it reads nothing: acknowledgements still get through.
        for (var i = 0; i < 5; i++)
        {
            await client.PublishAsync("patient/x", $"p{i}", QualityOfService.AtLeastOnce, cancellationToken: ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
        }

        // Nothing is read for 3 keep-alive periods: the read loop waits for the application and reads no PINGRESP.
        await Assert.ThrowsAsync<TimeoutException>(() => disconnected.Task.WaitAsync(TimeSpan.FromSeconds(3), ct));

        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], (await client.ExpectMessagesAsync(5)).Select(m => m.PayloadAsString()));
        Assert.True(client.IsConnected);
    }

    private static bool IsRemoved(string[] lines, string added) =>
        Array.Exists(lines, l => l == "- " + added.Split(' ')[1]);

    private static Task WaitForAsync(Func<bool> condition, CancellationToken ct) =>
        TestKit.WaitFor.ConditionAsync(condition, TimeSpan.FromSeconds(10), "the condition", ct);
}
