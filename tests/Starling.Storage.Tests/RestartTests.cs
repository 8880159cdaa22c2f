using Starling.Broker;
using Starling.Broker.Storage;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Storage.Tests;

/// <summary>
/// A broker stopped and a new one started on the same store carries on where the first left off: sessions,
/// subscriptions, queued and in-flight messages, inbound QoS 2 state, retained messages and delayed wills.
/// Run against every store implementation.
/// </summary>
public sealed class RestartTests : IDisposable
{
    private readonly StoreKinds _stores = new();

    public void Dispose() => _stores.Dispose();

    private static Func<ConnectPacket, ConnectPacket> Persistent(uint expiry, WillMessage? will = null) =>
        c => new ConnectPacket
        {
            ProtocolVersion = c.ProtocolVersion,
            ClientId = c.ClientId,
            CleanSession = false,
            KeepAlive = 60,
            SessionExpiryInterval = c.ProtocolVersion == ProtocolVersion.V500 ? expiry : null,
            Will = will,
        };

    private async Task<BrokerFixture> StartAsync(string kind, CancellationToken ct, Action<BrokerOptions>? configure = null) =>
        await BrokerFixture.StartAsync(configure, store: _stores.Open(kind), cancellationToken: ct);

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Queued_messages_and_subscriptions_of_a_persistent_session_survive_a_restart(string kind, ProtocolVersion version)
    {
        // [MQTT-3.1.2-5] / [MQTT-4.1.0-1]: the session (subscriptions, queued QoS 1/2 messages) is kept while the client is away.
        var ct = TestContext.Current.CancellationToken;
        await using (var broker = await StartAsync(kind, ct))
        {
            await broker.ParkSessionAsync("sub", "t/#", QualityOfService.ExactlyOnce, version, Persistent(3600), version == ProtocolVersion.V500 ? 5 : null, ct);

            await using var publisher = await broker.ConnectAsync("pub", version, cancellationToken: ct);
            for (ushort i = 1; i <= 3; i++)
            {
                await publisher.PublishAsync($"t/{i}", [(byte)i], QualityOfService.AtLeastOnce, packetId: i, cancellationToken: ct);
            }

            await publisher.PublishAsync("t/4", [4], QualityOfService.ExactlyOnce, packetId: 4, cancellationToken: ct);
        }

        await using var restarted = await StartAsync(kind, ct);
        await using var resumed = await restarted.ConnectAsync("sub", version, cleanSession: false, customize: Persistent(3600), cancellationToken: ct);

        Assert.True(resumed.LastConnAck!.SessionPresent); // [MQTT-3.2.2-3]
        for (var i = 1; i <= 4; i++)
        {
            var message = await resumed.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.Equal(($"t/{i}", (byte)i, i == 4 ? QualityOfService.ExactlyOnce : QualityOfService.AtLeastOnce), (message.Topic, message.Payload.Span[0], message.QoS));
            if (version == ProtocolVersion.V500)
            {
                Assert.Equal([5], message.SubscriptionIdentifiers);
            }

            await resumed.SendAsync(new AckPacket(message.QoS == QualityOfService.AtLeastOnce ? PacketType.PubAck : PacketType.PubRec, message.PacketId), ct);
            if (message.QoS == QualityOfService.ExactlyOnce)
            {
                await resumed.ExpectAckAsync(PacketType.PubRel, message.PacketId, ct);
                await resumed.SendAsync(new AckPacket(PacketType.PubComp, message.PacketId), ct);
            }
        }

        // The subscription itself came back: a new publication reaches the session.
        restarted.Broker.Publish("t/new", "x"u8.ToArray(), QualityOfService.AtLeastOnce);
        Assert.Equal("t/new", (await resumed.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
    }

    public static TheoryData<string, ProtocolVersion> Kinds => new()
    {
        { "memory", ProtocolVersion.V311 },
        { "memory", ProtocolVersion.V500 },
        { "sqlite", ProtocolVersion.V311 },
        { "sqlite", ProtocolVersion.V500 },
    };

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task In_flight_messages_are_resent_after_a_restart_publish_with_dup_and_pubrel_as_pubrel(string kind)
    {
        // [MQTT-4.4.0-1]: on resumption, unacknowledged PUBLISH packets are resent with DUP=1 [MQTT-3.3.1-1] and PUBREL as PUBREL.
        var ct = TestContext.Current.CancellationToken;
        ushort qos1Id, qos2Id;
        await using (var broker = await StartAsync(kind, ct))
        {
            await using var subscriber = await broker.ConnectAsync("inflight", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);
            await subscriber.SubscribeAsync("f/#", QualityOfService.ExactlyOnce, cancellationToken: ct);
            broker.Broker.Publish("f/1", "one"u8.ToArray(), QualityOfService.AtLeastOnce);
            broker.Broker.Publish("f/2", "two"u8.ToArray(), QualityOfService.ExactlyOnce);
            qos1Id = (await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).PacketId;
            qos2Id = (await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).PacketId;
            await subscriber.SendAsync(new AckPacket(PacketType.PubRec, qos2Id), ct);
            await subscriber.ExpectAckAsync(PacketType.PubRel, qos2Id, ct);

            // No PUBACK for the QoS 1 message, no PUBCOMP for the QoS 2 one: the broker stops with both in flight.
        }

        await using var restarted = await StartAsync(kind, ct);
        await using var resumed = await restarted.ConnectAsync("inflight", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);

        Assert.True(resumed.LastConnAck!.SessionPresent);
        var again = await resumed.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(("f/1", qos1Id, true), (again.Topic, again.PacketId, again.Dup));
        await resumed.ExpectAckAsync(PacketType.PubRel, qos2Id, ct);
        await resumed.SendAsync(new AckPacket(PacketType.PubAck, qos1Id), ct);
        await resumed.SendAsync(new AckPacket(PacketType.PubComp, qos2Id), ct);
        await resumed.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task An_inbound_qos2_message_resent_after_a_restart_is_not_forwarded_twice(string kind)
    {
        // [MQTT-4.3.3-10]: until PUBREL, a PUBLISH with the same packet id is acknowledged, not delivered again.
        var ct = TestContext.Current.CancellationToken;
        await using (var broker = await StartAsync(kind, ct))
        {
            await using var watcher = await broker.ConnectAsync("watcher", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);
            await watcher.SubscribeAsync("once", QualityOfService.AtLeastOnce, cancellationToken: ct);
            await using var publisher = await broker.ConnectAsync("qos2-pub", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);
            await publisher.SendAsync(new PublishPacket { Topic = "once", Payload = "exactly"u8.ToArray(), QoS = QualityOfService.ExactlyOnce, PacketId = 7 }, ct);
            await publisher.ExpectAckAsync(PacketType.PubRec, 7, ct);
            var first = await watcher.ExpectAsync<PublishPacket>(cancellationToken: ct);
            await watcher.SendAsync(new AckPacket(PacketType.PubAck, first.PacketId), ct);

            // The watcher's PUBACK must be processed before the broker stops, or the message is rightly resent to it.
            await WaitFor.ConditionAsync(() => broker.Broker.GetClients().Single(c => c.ClientId == "watcher").InflightMessages == 0,
                TimeSpan.FromSeconds(5), "the watcher's PUBACK", ct);
        }

        await using var restarted = await StartAsync(kind, ct);
        await using var watcherAgain = await restarted.ConnectAsync("watcher", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);
        await using var publisherAgain = await restarted.ConnectAsync("qos2-pub", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);
        await publisherAgain.SendAsync(new PublishPacket { Topic = "once", Payload = "exactly"u8.ToArray(), QoS = QualityOfService.ExactlyOnce, PacketId = 7, Dup = true }, ct);
        await publisherAgain.ExpectAckAsync(PacketType.PubRec, 7, ct);
        await publisherAgain.SendAsync(new AckPacket(PacketType.PubRel, 7), ct);
        await publisherAgain.ExpectAckAsync(PacketType.PubComp, 7, ct);

        await watcherAgain.ExpectNothingAsync(TimeSpan.FromMilliseconds(400), ct);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Retained_messages_survive_a_restart_and_a_deletion_does_too(string kind)
    {
        // [MQTT-3.3.1-5]: the retained message is kept and sent to new subscribers; [MQTT-3.3.1-6]: an empty payload deletes it.
        var ct = TestContext.Current.CancellationToken;
        await using (var broker = await StartAsync(kind, ct))
        {
            await using var publisher = await broker.ConnectAsync("retainer", ProtocolVersion.V500, cancellationToken: ct);
            await publisher.PublishAsync("r/kept", "v1"u8.ToArray(), QualityOfService.AtLeastOnce, retain: true, packetId: 1, cancellationToken: ct);
            await publisher.PublishAsync("r/kept", "v2"u8.ToArray(), QualityOfService.AtLeastOnce, retain: true, packetId: 2, cancellationToken: ct);
            await publisher.PublishAsync("r/gone", "x"u8.ToArray(), QualityOfService.AtLeastOnce, retain: true, packetId: 3, cancellationToken: ct);
            await publisher.PublishAsync("r/gone", [], QualityOfService.AtLeastOnce, retain: true, packetId: 4, cancellationToken: ct);
        }

        await using var restarted = await StartAsync(kind, ct);
        Assert.Equal(1, restarted.Broker.RetainedMessageCount);
        await using var subscriber = await restarted.ConnectAsync("reader", ProtocolVersion.V500, cancellationToken: ct);
        await subscriber.SubscribeAsync("r/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
        var retained = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(("r/kept", "v2", true), (retained.Topic, System.Text.Encoding.UTF8.GetString(retained.Payload.Span), retained.Retain));
        await subscriber.SendAsync(new AckPacket(PacketType.PubAck, retained.PacketId), ct);
        await subscriber.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_will_whose_delay_ran_out_while_the_broker_was_down_is_published_after_the_restart(string kind)
    {
        // [MQTT-3.1.3-9]: the will is published after the Will Delay Interval unless the session resumes first.
        var ct = TestContext.Current.CancellationToken;
        var will = new WillMessage { Topic = "wills/device", Payload = "lost"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, Retain = true, WillDelayInterval = 1 };
        await using (var broker = await StartAsync(kind, ct))
        {
            var device = await broker.ConnectAsync("device", ProtocolVersion.V500, cleanSession: false, customize: Persistent(60, will), cancellationToken: ct);
            await device.DisposeAsync(); // the socket drops without DISCONNECT
            await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), "the device's connection to end", ct);
            Assert.Equal(0, broker.Broker.RetainedMessageCount); // still within the delay
        }

        await Task.Delay(TimeSpan.FromMilliseconds(1200), ct); // ok-to-sleep: the 1 s will delay must run out while no broker runs
        await using var restarted = await StartAsync(kind, ct);
        await WaitFor.ConditionAsync(() => restarted.Broker.RetainedMessageCount == 1, TimeSpan.FromSeconds(5), "the will to be published", ct);
        await using var reader = await restarted.ConnectAsync("reader", ProtocolVersion.V500, cancellationToken: ct);
        await reader.SubscribeAsync("wills/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
        Assert.Equal("lost", System.Text.Encoding.UTF8.GetString((await reader.ExpectAsync<PublishPacket>(cancellationToken: ct)).Payload.Span));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_session_that_expired_while_the_broker_was_down_is_gone_with_its_messages(string kind)
    {
        // [MQTT-3.1.2-23]: the session is deleted when the Session Expiry Interval has passed since the connection closed.
        var ct = TestContext.Current.CancellationToken;
        await using (var broker = await StartAsync(kind, ct))
        {
            await broker.ParkSessionAsync("short", "e/#", QualityOfService.AtLeastOnce, ProtocolVersion.V500, Persistent(1), cancellationToken: ct);
            broker.Broker.Publish("e/1", "queued"u8.ToArray(), QualityOfService.AtLeastOnce);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(1200), ct); // ok-to-sleep: the 1 s session expiry must run out while no broker runs
        await using (var restarted = await StartAsync(kind, ct))
        {
            await WaitFor.ConditionAsync(() => restarted.Broker.SessionCount == 0, TimeSpan.FromSeconds(5), "housekeeping to end the expired session", ct);
        }

        using var store = _stores.Open(kind);
        var snapshot = store.Load();
        Assert.Empty(snapshot.Sessions);
        Assert.Empty(snapshot.Subscriptions);
        Assert.Empty(snapshot.Deliveries);
        Assert.Empty(snapshot.Messages);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_queued_message_that_expired_while_the_broker_was_down_is_deleted_not_delivered(string kind)
    {
        // [MQTT-3.3.2-5]: once the Message Expiry Interval has passed, the copy for a subscriber not yet started on is deleted.
        var ct = TestContext.Current.CancellationToken;
        await using (var broker = await StartAsync(kind, ct))
        {
            await broker.ParkSessionAsync("away", "exp/#", QualityOfService.AtLeastOnce, ProtocolVersion.V500, Persistent(3600), cancellationToken: ct);
            broker.Broker.Publish(new PublishPacket { Topic = "exp/short", Payload = "short"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, MessageExpiryInterval = 1 });
            broker.Broker.Publish(new PublishPacket { Topic = "exp/long", Payload = "long"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, MessageExpiryInterval = 3600 });
        }

        await Task.Delay(TimeSpan.FromMilliseconds(1200), ct); // ok-to-sleep: the 1 s message expiry must run out while no broker runs
        await using (var restarted = await StartAsync(kind, ct))
        {
            await using var back = await restarted.ConnectAsync("away", ProtocolVersion.V500, cleanSession: false, customize: Persistent(3600), cancellationToken: ct);
            var message = await back.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.Equal("exp/long", message.Topic);
            Assert.InRange(message.MessageExpiryInterval ?? 0, 3590u, 3600u); // [MQTT-3.3.2-6]: the time spent waiting is taken off
            await back.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
        }

        using var store = _stores.Open(kind);
        var snapshot = store.Load();
        Assert.DoesNotContain(snapshot.Messages, m => m.Packet.Topic == "exp/short");
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Messages_an_online_subscriber_acknowledged_leave_nothing_behind_in_the_store(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var broker = await StartAsync(kind, ct))
        {
            await using var subscriber = await broker.ConnectAsync("online", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);
            await subscriber.SubscribeAsync("o/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
            await using var publisher = await broker.ConnectAsync("o-pub", ProtocolVersion.V311, cancellationToken: ct);
            for (ushort i = 1; i <= 200; i++)
            {
                await publisher.PublishAsync("o/x", [(byte)i], QualityOfService.AtLeastOnce, packetId: i, cancellationToken: ct);
                var message = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
                await subscriber.SendAsync(new AckPacket(PacketType.PubAck, message.PacketId), ct);
            }

            await publisher.PublishAsync("o/x", [0], QualityOfService.AtLeastOnce, packetId: 999, cancellationToken: ct);
            var last = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.Equal(0, last.Payload.Span[0]);
            await subscriber.SendAsync(new AckPacket(PacketType.PubAck, last.PacketId), ct);
            await WaitFor.ConditionAsync(() => broker.Broker.GetClients().Single(c => c.ClientId == "online").InflightMessages == 0,
                TimeSpan.FromSeconds(5), "the last PUBACK to be processed", ct);
        }

        using var store = _stores.Open(kind);
        var snapshot = store.Load();
        Assert.Single(snapshot.Sessions);
        Assert.Single(snapshot.Subscriptions);
        Assert.Empty(snapshot.Deliveries);
        Assert.Empty(snapshot.Messages);
    }
}
