using System.Text;
using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Client;

/// <summary>Connect, publish and subscribe at every QoS and protocol version, against mosquitto and against Starling.</summary>
public sealed class PublishSubscribeTests
{
    public static TheoryData<BrokerKind, ProtocolVersion> BrokersAndVersions => new()
    {
        { BrokerKind.Mosquitto, ProtocolVersion.V310 },
        { BrokerKind.Mosquitto, ProtocolVersion.V311 },
        { BrokerKind.Mosquitto, ProtocolVersion.V500 },
        { BrokerKind.Starling, ProtocolVersion.V310 },
        { BrokerKind.Starling, ProtocolVersion.V311 },
        { BrokerKind.Starling, ProtocolVersion.V500 },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Messages_round_trip_at_QoS_0_1_and_2_and_each_publish_completes_with_its_flow(BrokerKind kind, ProtocolVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var client = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, $"rt-{version}", version), ct);

        var subscribed = await client.SubscribeAsync([new TopicSubscription("rt/0", QualityOfService.AtMostOnce),
            new TopicSubscription("rt/1", QualityOfService.AtLeastOnce), new TopicSubscription("rt/2", QualityOfService.ExactlyOnce)], cancellationToken: ct);
        Assert.Equal([ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2], subscribed.Items.Select(i => i.ReasonCode));

        for (var qos = 0; qos <= 2; qos++)
        {
            var result = await client.PublishAsync($"rt/{qos}", $"hello {qos}", (QualityOfService)qos, cancellationToken: ct);
            Assert.True(result.IsSuccess);
            var message = await client.ExpectMessageAsync();
            Assert.Equal($"rt/{qos}", message.Topic);
            Assert.Equal($"hello {qos}", message.PayloadAsString());
            Assert.Equal((QualityOfService)qos, message.QoS);
        }

        var unsubscribed = await client.UnsubscribeAsync(["rt/0", "rt/1", "rt/2"], cancellationToken: ct);
        Assert.All(unsubscribed.Items, i => Assert.True(i.IsSuccess));
        await client.PublishAsync("rt/1", "after", QualityOfService.AtLeastOnce, cancellationToken: ct);
        await client.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(300));
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Qos2_messages_from_another_client_arrive_exactly_once_in_order(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var receiver = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "q2-rx"), ct);
        await using var sender = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "q2-tx", ProtocolVersion.V311), ct);
        await receiver.SubscribeAsync("q2/#", QualityOfService.ExactlyOnce, ct);

        // 200 QoS 2 publishes at once from a 3.1.1 client: windowed (20 in flight by default, as 3.x has no Receive
        // Maximum; mosquitto drops QoS 2 messages beyond its max_inflight_messages), PUBREC/PUBREL/PUBCOMP for each.
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            sender.PublishAsync("q2/x", i.ToString(System.Globalization.CultureInfo.InvariantCulture), QualityOfService.ExactlyOnce, cancellationToken: ct).AsTask()));
        Assert.All(results, r => Assert.Equal(ReasonCode.Success, r.ReasonCode));

        var received = await receiver.ExpectMessagesAsync(200);
        Assert.Equal(200, received.Select(m => m.PayloadAsString()).Distinct().Count());
        Assert.All(received, m => Assert.Equal(QualityOfService.ExactlyOnce, m.QoS));
        await receiver.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, sender.PendingPublishCount);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task More_publishes_than_the_brokers_Receive_Maximum_are_windowed_and_all_acknowledged(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var client = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "rm"), ct);
        var receiveMaximum = client.LastConnectResult!.ConnAck.ReceiveMaximum ?? 65535;
        var count = Math.Min(receiveMaximum * 5, 5000);

        // A broker disconnects a client that exceeds its Receive Maximum (0x93) [MQTT-3.3.4-9]; all must succeed instead.
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            client.PublishAsync("rm/x", "m", QualityOfService.AtLeastOnce, cancellationToken: ct).AsTask()));

        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.True(client.IsConnected);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task A_slow_consumer_with_a_tiny_receive_buffer_still_gets_every_message_in_order(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var options = ClientTestExtensions.Options(broker.Uri, "slow");
        options.ReceiveBufferCapacity = 2;
        await using var slow = await ClientTestExtensions.ConnectedAsync(options, ct);
        await using var sender = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "fast"), ct);
        await slow.SubscribeAsync("slow/x", QualityOfService.AtLeastOnce, ct);

        var publishing = Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            sender.PublishAsync("slow/x", i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), QualityOfService.AtLeastOnce, cancellationToken: ct).AsTask()));
        var received = new List<string>();
        await foreach (var message in slow.ReadMessagesAsync(ct))
        {
            received.Add(message.PayloadAsString());
            if (received.Count % 50 == 0)
            {
                await Task.Yield(); // a consumer that does some work between messages
            }

            if (received.Count == 300)
            {
                break;
            }
        }

        await publishing;
        // Raw receipts, not a de-duplicated set: in the order sent, once each (an ordered topic [MQTT-4.6.0-5]).
        Assert.Equal(Enumerable.Range(0, 300).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)), received);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Every_MQTT5_publish_property_and_the_subscription_identifier_round_trip(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var client = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "props"), ct);
        await client.SubscribeAsync([new TopicSubscription("props/#", QualityOfService.AtLeastOnce)], subscriptionIdentifier: 42,
            userProperties: [new UserProperty("sub", "prop")], cancellationToken: ct);

        await client.PublishAsync(new MqttMessage
        {
            Topic = "props/a",
            Payload = Encoding.UTF8.GetBytes("{\"x\":1}"),
            QoS = QualityOfService.AtLeastOnce,
            PayloadFormat = PayloadFormatIndicator.Utf8,
            MessageExpiryInterval = 120,
            ContentType = "application/json",
            ResponseTopic = "props/reply",
            CorrelationData = new byte[] { 1, 2, 3 },
            UserProperties = [new UserProperty("a", "1"), new UserProperty("a", "2"), new UserProperty("b", "x")],
        }, ct);

        var message = await client.ExpectMessageAsync();
        Assert.Equal("props/a", message.Topic);
        Assert.Equal(PayloadFormatIndicator.Utf8, message.PayloadFormat);
        Assert.InRange(message.MessageExpiryInterval ?? 0, 118u, 120u); // the broker forwards the remaining lifetime [MQTT-3.3.2-6]
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("props/reply", message.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3 }, message.CorrelationData);
        // User properties keep their order, duplicates included [MQTT-3.3.2-18].
        Assert.Equal([new UserProperty("a", "1"), new UserProperty("a", "2"), new UserProperty("b", "x")], message.UserProperties);
        Assert.Equal([42], message.SubscriptionIdentifiers);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Topic_aliases_are_used_within_each_sides_limit_and_every_message_keeps_its_topic(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var options = ClientTestExtensions.Options(broker.Uri, "alias");
        // Starling aliases topics towards clients that allow it (mosquitto does not): with 4 aliases for 9+ topics it
        // must define, reuse and reassign them, and the client resolves each incoming alias [MQTT-3.3.2-12].
        options.TopicAliasMaximum = 4;
        await using var client = await ClientTestExtensions.ConnectedAsync(options, ct);
        var maximum = client.LastConnectResult!.ConnAck.TopicAliasMaximum ?? 0;
        Assert.True(maximum > 0, "the broker should allow topic aliases");
        await client.SubscribeAsync("alias/#", QualityOfService.AtLeastOnce, ct);

        // More topics than aliases, each used several times: aliased, re-used and unaliased publishes mixed.
        var topics = Enumerable.Range(0, maximum + 5).Select(i => $"alias/t{i}").ToArray();
        var expected = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            foreach (var topic in topics)
            {
                await client.PublishAsync(topic, topic, QualityOfService.AtLeastOnce, cancellationToken: ct);
                expected.Add(topic);
            }
        }

        var received = await client.ExpectMessagesAsync(expected.Count);
        Assert.All(received, m => Assert.Equal(m.Topic, m.PayloadAsString()));
        Assert.Equal(expected.Order(), received.Select(m => m.Topic).Order());
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Request_response_helper_gets_the_reply_correlated_to_its_request(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var responder = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "responder"), ct);
        await using var requester = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "requester"), ct);
        await responder.SubscribeAsync("svc/upper", QualityOfService.AtLeastOnce, ct);
        var serving = Task.Run(async () =>
        {
            await foreach (var request in responder.ReadMessagesAsync(ct))
            {
                await responder.PublishAsync(MqttMessage.CreateResponse(request, Encoding.UTF8.GetBytes(request.PayloadAsString().ToUpperInvariant())), ct);
            }
        }, ct);

        var replies = await Task.WhenAll(new[] { "a", "b", "c" }.Select(text =>
            requester.RequestAsync(MqttMessage.Create("svc/upper", text, QualityOfService.AtLeastOnce), TimeSpan.FromSeconds(10), ct)));

        Assert.Equal(["A", "B", "C"], replies.Select(r => r.PayloadAsString()));
        await requester.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(100)); // responses are not also delivered as messages
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task A_message_handler_gets_every_message_in_order_one_at_a_time(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var received = new List<string>();
        var running = 0;
        var overlapped = false;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = ClientTestExtensions.Options(broker.Uri, "handler");
        options.ReceiveBufferCapacity = 4;
        await using var client = new MqttClient(options)
        {
            MessageHandler = async (message, token) =>
            {
                overlapped |= Interlocked.Increment(ref running) > 1;
                await Task.Yield(); // handler work that is not on the read loop
                received.Add(message.PayloadAsString());
                Interlocked.Decrement(ref running);
                if (received.Count == 100)
                {
                    done.TrySetResult();
                }
            },
        };
        await client.ConnectAsync(ct);
        await client.SubscribeAsync("handler/#", QualityOfService.AtLeastOnce, ct);

        for (var i = 0; i < 100; i++)
        {
            await client.PublishAsync("handler/x", i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), QualityOfService.AtLeastOnce, cancellationToken: ct);
        }

        await done.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.False(overlapped);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)), received);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_handler_that_throws_does_not_stop_delivery_and_one_that_disposes_the_client_does_not_hang()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(BrokerKind.Starling, ct);
        var received = new List<string>();
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        MqttClient? client = null;
        client = new MqttClient(ClientTestExtensions.Options(broker.Uri, "throwing-handler"))
        {
            MessageHandler = async (message, token) =>
            {
                var text = message.PayloadAsString();
                received.Add(text);
                if (text == "stop")
                {
                    await client!.DisposeAsync(); // from inside the handler: must not wait for itself
                    disposed.TrySetResult();
                    return;
                }

                throw new InvalidOperationException($"handler failed on {text}");
            },
        };
        await client.ConnectAsync(ct);
        await client.SubscribeAsync("throwing/#", QualityOfService.AtLeastOnce, ct);

        foreach (var text in new[] { "a", "b", "c", "stop" })
        {
            await client.PublishAsync("throwing/x", text, QualityOfService.AtLeastOnce, cancellationToken: ct);
        }

        await disposed.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(["a", "b", "c", "stop"], received);
        Assert.Equal(MqttClientState.Disposed, client.State);
    }

    [Fact(Timeout = 60_000)]
    public async Task Many_QoS_0_publishes_beyond_the_outbound_queue_bound_never_stall()
    {
        // Regression: a publisher waiting for the writer to drain the queue could miss the writer's signal and sleep
        // until the next keep-alive ping (seen as one benchmark run at 5,000 msg/s instead of 350,000).
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(BrokerKind.Mosquitto, ct);
        for (var round = 0; round < 3; round++)
        {
            await using var client = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, $"flood-{round}"), ct);
            var message = new MqttMessage { Topic = "flood/x", Payload = new byte[64] };
            var publishing = Task.Run(async () =>
            {
                for (var i = 0; i < 100_000; i++)
                {
                    await client.PublishAsync(message, ct);
                }

                await client.PublishAsync("flood/x", "barrier", QualityOfService.AtLeastOnce, cancellationToken: ct);
            }, ct);
            await publishing.WaitAsync(TimeSpan.FromSeconds(20), ct); // about 0.3 s when nothing stalls
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Connecting_to_a_port_where_nothing_listens_fails_with_one_clear_exception()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = new MqttClient(ClientTestExtensions.Options(new Uri($"mqtt://127.0.0.1:{TestKit.FreePort.Get()}"), "nobody"));

        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync(ct));

        Assert.Contains("Cannot connect", error.Message, StringComparison.Ordinal);
        Assert.Equal(MqttClientState.Disconnected, client.State);
    }
}
