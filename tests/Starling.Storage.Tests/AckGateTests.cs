using Starling.Broker.Storage;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Storage.Tests;

/// <summary>
/// The acknowledgement contract: with sync Always, PUBACK / PUBREC for a message a persistent session must receive
/// is sent only once the store has committed it; acknowledgements keep the order of the PUBLISH packets; with sync
/// Periodic they do not wait. The store here is the in-memory one behind a gate the test opens and closes, so "not
/// committed yet" is a state the test controls rather than a race.
/// </summary>
public sealed class AckGateTests
{
    private static Func<ConnectPacket, ConnectPacket> Persistent => c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = false, KeepAlive = 60 };

    [Fact]
    public async Task Puback_waits_for_the_commit_of_a_message_an_offline_persistent_session_must_receive()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new GatedStore();
        await using var broker = await BrokerFixture.StartAsync(store: store, cancellationToken: ct);
        await OfflineSubscriberAsync(broker, "durable/#", ct);
        await using var publisher = await broker.ConnectAsync("publisher", ProtocolVersion.V311, cancellationToken: ct);

        store.Close();
        await publisher.SendAsync(new PublishPacket { Topic = "durable/1", Payload = "m"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, PacketId = 1 }, ct);
        await publisher.ExpectNothingAsync(TimeSpan.FromMilliseconds(500), ct);
        Assert.Empty(store.Inner.Load().Deliveries);

        store.Open();
        await publisher.ExpectAckAsync(PacketType.PubAck, 1, ct);
        Assert.Single(store.Inner.Load().Deliveries);
    }

    [Fact]
    public async Task Puback_does_not_wait_for_the_disk_once_every_persistent_session_acknowledged_the_message()
    {
        // Nothing is left to store when the online persistent subscriber has the message and acknowledged it.
        var ct = TestContext.Current.CancellationToken;
        using var store = new GatedStore();
        await using var broker = await BrokerFixture.StartAsync(store: store, cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("online", ProtocolVersion.V311, cleanSession: false, customize: Persistent, cancellationToken: ct);
        await subscriber.SubscribeAsync("live/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("publisher", ProtocolVersion.V311, cancellationToken: ct);

        // Block the store's writer on an unrelated batch, so the message's changes wait in the open batch.
        store.Close();
        await using var other = await broker.ConnectAsync("other", ProtocolVersion.V311, cleanSession: false, customize: Persistent, cancellationToken: ct);
        await other.SubscribeAsync("elsewhere", QualityOfService.AtLeastOnce, cancellationToken: ct);
        Assert.True(store.WriterBlocked.Wait(TimeSpan.FromSeconds(10), ct), "the writer did not reach the store");

        await publisher.SendAsync(new PublishPacket { Topic = "live/1", Payload = "m"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, PacketId = 1 }, ct);
        var delivered = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        await publisher.ExpectNothingAsync(TimeSpan.FromMilliseconds(200), ct); // the subscriber has not acknowledged yet
        await subscriber.SendAsync(new AckPacket(PacketType.PubAck, delivered.PacketId), ct);

        await publisher.ExpectAckAsync(PacketType.PubAck, 1, ct); // while the store is still blocked
        store.Open();
    }

    [Fact]
    public async Task Acknowledgements_keep_the_order_of_the_publish_packets_when_only_the_first_waits()
    {
        // [MQTT-4.6.0-2]: PUBACK packets in the order the PUBLISH packets were received; [MQTT-4.6.0-3] likewise PUBREC.
        var ct = TestContext.Current.CancellationToken;
        using var store = new GatedStore();
        await using var broker = await BrokerFixture.StartAsync(store: store, cancellationToken: ct);
        await OfflineSubscriberAsync(broker, "durable/#", ct);
        await using var publisher = await broker.ConnectAsync("publisher", ProtocolVersion.V311, cancellationToken: ct);

        store.Close();
        await publisher.SendAsync(new PublishPacket { Topic = "durable/1", Payload = "m"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, PacketId = 1 }, ct);
        await publisher.SendAsync(new PublishPacket { Topic = "nobody/listens", Payload = "m"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, PacketId = 2 }, ct);
        await publisher.SendAsync(new PublishPacket { Topic = "nobody/listens", Payload = "m"u8.ToArray(), QoS = QualityOfService.ExactlyOnce, PacketId = 3 }, ct);
        await publisher.ExpectNothingAsync(TimeSpan.FromMilliseconds(400), ct);

        store.Open();
        await publisher.ExpectAckAsync(PacketType.PubAck, 1, ct);
        await publisher.ExpectAckAsync(PacketType.PubAck, 2, ct);
        await publisher.ExpectAckAsync(PacketType.PubRec, 3, ct);
    }

    [Fact]
    public async Task A_message_no_persistent_session_needs_is_acknowledged_without_waiting_for_the_store()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new GatedStore();
        await using var broker = await BrokerFixture.StartAsync(store: store, cancellationToken: ct);
        await using var cleanSubscriber = await broker.ConnectAsync("clean", ProtocolVersion.V311, cancellationToken: ct);
        await cleanSubscriber.SubscribeAsync("volatile/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("publisher", ProtocolVersion.V311, cancellationToken: ct);

        store.Close();
        await publisher.PublishAsync("volatile/1", "m"u8.ToArray(), QualityOfService.AtLeastOnce, packetId: 1, cancellationToken: ct);
        Assert.Equal("volatile/1", (await cleanSubscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
        store.Open();
    }

    [Fact]
    public async Task With_sync_periodic_the_acknowledgement_does_not_wait_and_the_change_is_written_later()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new GatedStore();
        await using var broker = await BrokerFixture.StartAsync(o =>
        {
            o.Sync = SyncPolicy.Periodic;
            o.SyncInterval = TimeSpan.FromMilliseconds(50);
        }, store: store, cancellationToken: ct);
        await OfflineSubscriberAsync(broker, "durable/#", ct);
        await using var publisher = await broker.ConnectAsync("publisher", ProtocolVersion.V311, cancellationToken: ct);

        store.Close();
        await publisher.PublishAsync("durable/1", "m"u8.ToArray(), QualityOfService.AtLeastOnce, packetId: 1, cancellationToken: ct);
        Assert.Empty(store.Inner.Load().Deliveries);

        store.Open();
        await WaitFor.ConditionAsync(() => store.Inner.Load().Deliveries.Count == 1, TimeSpan.FromSeconds(5), "the periodic commit", ct);
    }

    [Fact]
    public async Task Pubrel_to_a_stored_session_waits_until_the_pubrec_state_is_stored()
    {
        // After a crash the broker must resend PUBREL, not the PUBLISH, once it has sent PUBREL [MQTT-4.3.3-5].
        var ct = TestContext.Current.CancellationToken;
        using var store = new GatedStore();
        await using var broker = await BrokerFixture.StartAsync(store: store, cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("receiver", ProtocolVersion.V311, cleanSession: false, customize: Persistent, cancellationToken: ct);
        await subscriber.SubscribeAsync("q2", QualityOfService.ExactlyOnce, cancellationToken: ct);
        broker.Broker.Publish("q2", "m"u8.ToArray(), QualityOfService.ExactlyOnce);
        var message = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);

        store.Close();
        await subscriber.SendAsync(new AckPacket(PacketType.PubRec, message.PacketId), ct);
        await subscriber.ExpectNothingAsync(TimeSpan.FromMilliseconds(400), ct);

        store.Open();
        await subscriber.ExpectAckAsync(PacketType.PubRel, message.PacketId, ct);
        Assert.Equal(DeliveryState.ReleaseSent, Assert.Single(store.Inner.Load().Deliveries).State);
    }

    [Fact]
    public async Task Pubcomp_to_a_stored_session_waits_until_the_packet_id_is_forgotten_on_disk()
    {
        // A packet id still stored after a crash would swallow the client's next message with that id [MQTT-4.3.3-10].
        var ct = TestContext.Current.CancellationToken;
        using var store = new GatedStore();
        await using var broker = await BrokerFixture.StartAsync(store: store, cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("sender", ProtocolVersion.V311, cleanSession: false, customize: Persistent, cancellationToken: ct);
        await publisher.SendAsync(new PublishPacket { Topic = "x", Payload = "m"u8.ToArray(), QoS = QualityOfService.ExactlyOnce, PacketId = 5 }, ct);
        await publisher.ExpectAckAsync(PacketType.PubRec, 5, ct);
        Assert.Single(store.Inner.Load().InboundQoS2);

        store.Close();
        await publisher.SendAsync(new AckPacket(PacketType.PubRel, 5), ct);
        await publisher.ExpectNothingAsync(TimeSpan.FromMilliseconds(400), ct);

        store.Open();
        await publisher.ExpectAckAsync(PacketType.PubComp, 5, ct);
        Assert.Empty(store.Inner.Load().InboundQoS2);
    }

    [Fact]
    public async Task A_qos2_publish_resent_on_a_new_connection_gets_its_pubrec_only_once_the_original_is_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new GatedStore();
        await using var broker = await BrokerFixture.StartAsync(store: store, cancellationToken: ct);
        await OfflineSubscriberAsync(broker, "durable/#", ct);
        var publish = new PublishPacket { Topic = "durable/q2", Payload = "m"u8.ToArray(), QoS = QualityOfService.ExactlyOnce, PacketId = 7 };

        store.Close();
        await using (var first = await broker.ConnectAsync("resender", ProtocolVersion.V311, cleanSession: false, customize: Persistent, cancellationToken: ct))
        {
            await first.SendAsync(publish, ct);
            await first.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
        }

        await using var second = await broker.ConnectAsync("resender", ProtocolVersion.V311, cleanSession: false, customize: Persistent, cancellationToken: ct);
        await second.SendAsync(new PublishPacket { Topic = publish.Topic, Payload = publish.Payload, QoS = publish.QoS, PacketId = 7, Dup = true }, ct);
        await second.ExpectNothingAsync(TimeSpan.FromMilliseconds(400), ct);

        store.Open();
        await second.ExpectAckAsync(PacketType.PubRec, 7, ct);
        Assert.Single(store.Inner.Load().Deliveries);
    }

    private static Task OfflineSubscriberAsync(BrokerFixture broker, string filter, CancellationToken ct) =>
        broker.ParkSessionAsync("offline", filter, QualityOfService.AtLeastOnce, ProtocolVersion.V311, Persistent, cancellationToken: ct);

    /// <summary>An in-memory store whose writes block while the gate is closed.</summary>
    private sealed class GatedStore : IBrokerStore
    {
        private readonly ManualResetEventSlim _gate = new(true);

        /// <summary>Set while a write waits at the closed gate.</summary>
        public ManualResetEventSlim WriterBlocked { get; } = new(false);

        public InMemoryStore Inner { get; } = new();

        public string Description => "gated in-memory store";

        public void Close() => _gate.Reset();

        public void Open() => _gate.Set();

        public StoreSnapshot Load() => Inner.Load();

        public void Write(IReadOnlyList<StoreChange> changes)
        {
            if (!_gate.IsSet)
            {
                WriterBlocked.Set();
            }

            _gate.Wait(TimeSpan.FromSeconds(30));
            WriterBlocked.Reset();
            Inner.Write(changes);
        }

        public void Dispose()
        {
            _gate.Dispose();
            WriterBlocked.Dispose();
        }
    }
}
