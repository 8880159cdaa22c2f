using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Session;

/// <summary>Persistent sessions: queueing while offline, redelivery with DUP, Clean Start, expiry.</summary>
public sealed class SessionTests
{
    private static Func<ConnectPacket, ConnectPacket> Persistent(uint expiry) =>
        c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = false, SessionExpiryInterval = c.ProtocolVersion == ProtocolVersion.V500 ? expiry : null };

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Qos1_messages_published_while_offline_arrive_when_the_session_resumes(ProtocolVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using (var first = await broker.ConnectAsync("p", version, cleanSession: false, customize: Persistent(300), cancellationToken: ct))
        {
            await first.SubscribeAsync("queued/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
            await first.SendAsync(DisconnectPacket.Normal, ct);
            await first.ExpectClosedAsync(cancellationToken: ct);
        }

        await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), "the first connection to end", ct);
        broker.Broker.Publish("queued/1", "a"u8.ToArray(), QualityOfService.AtLeastOnce);
        broker.Broker.Publish("queued/2", "b"u8.ToArray(), QualityOfService.AtLeastOnce);
        broker.Broker.Publish("queued/3", "c"u8.ToArray(), QualityOfService.AtMostOnce); // QoS 0 is not queued by default

        await using var second = await broker.ConnectAsync("p", version, cleanSession: false, customize: Persistent(300), cancellationToken: ct);

        Assert.True(second.LastConnAck!.SessionPresent);
        Assert.Equal("queued/1", (await second.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
        Assert.Equal("queued/2", (await second.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
        await second.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task An_unacknowledged_message_is_redelivered_with_dup_when_the_session_resumes()
    {
        // [MQTT-4.4.0-1]: resend unacknowledged PUBLISH with DUP=1 [MQTT-3.3.1-1], same packet identifier.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        ushort firstId;
        await using (var first = await broker.ConnectAsync("r", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct))
        {
            await first.SubscribeAsync("redo", QualityOfService.AtLeastOnce, cancellationToken: ct);
            broker.Broker.Publish("redo", "again"u8.ToArray(), QualityOfService.AtLeastOnce);
            var original = await first.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.False(original.Dup);
            firstId = original.PacketId;
        }

        await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), "the first connection to drop", ct);
        await using var second = await broker.ConnectAsync("r", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);

        var redelivered = await second.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.True(redelivered.Dup);
        Assert.Equal(firstId, redelivered.PacketId);
        await second.SendAsync(new AckPacket(PacketType.PubAck, redelivered.PacketId), ct);
        await second.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task A_pubrel_is_resent_when_the_session_resumes_after_pubrec()
    {
        // [MQTT-4.4.0-1]: a QoS 2 message whose PUBREC was received resumes with PUBREL, not PUBLISH.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        ushort id;
        await using (var first = await broker.ConnectAsync("q2", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct))
        {
            await first.SubscribeAsync("two", QualityOfService.ExactlyOnce, cancellationToken: ct);
            broker.Broker.Publish("two", "x"u8.ToArray(), QualityOfService.ExactlyOnce);
            id = (await first.ExpectAsync<PublishPacket>(cancellationToken: ct)).PacketId;
            await first.SendAsync(new AckPacket(PacketType.PubRec, id), ct);
            await first.ExpectAckAsync(PacketType.PubRel, id, ct);
        }

        await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), "the first connection to drop", ct);
        await using var second = await broker.ConnectAsync("q2", ProtocolVersion.V311, cleanSession: false, customize: Persistent(0), cancellationToken: ct);

        await second.ExpectAckAsync(PacketType.PubRel, id, ct);
        await second.SendAsync(new AckPacket(PacketType.PubComp, id), ct);
        await second.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task Clean_start_discards_the_previous_session()
    {
        // [MQTT-3.1.2-4]: no session present, no subscriptions left.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using (var first = await broker.ConnectAsync("cs", ProtocolVersion.V500, cleanSession: false, customize: Persistent(300), cancellationToken: ct))
        {
            await first.SubscribeAsync("gone", cancellationToken: ct);
        }

        await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), "the first connection to drop", ct);
        await using var second = await broker.ConnectAsync("cs", ProtocolVersion.V500, cleanSession: true, cancellationToken: ct);

        Assert.False(second.LastConnAck!.SessionPresent);
        Assert.Equal(0, broker.Broker.Publish("gone", "x"u8.ToArray()));
    }

    [Fact]
    public async Task A_session_ends_when_its_expiry_interval_passes()
    {
        // [MQTT-3.1.2-23]: Session Expiry Interval 1 s.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using (var client = await broker.ConnectAsync("short", ProtocolVersion.V500, cleanSession: false, customize: Persistent(1), cancellationToken: ct))
        {
            await client.SubscribeAsync("x", cancellationToken: ct);
        }

        await WaitFor.ConditionAsync(() => broker.Broker.SessionCount == 0, TimeSpan.FromSeconds(5), "the session to expire", ct);
        Assert.Equal(0, broker.Broker.Publish("x", "x"u8.ToArray()));
    }

    [Fact]
    public async Task The_session_queue_is_bounded_and_drops_the_newest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.MaximumQueuedMessages = 3, cancellationToken: ct);
        await using (var client = await broker.ConnectAsync("bounded", ProtocolVersion.V311, cleanSession: false, cancellationToken: ct))
        {
            await client.SubscribeAsync("b", QualityOfService.AtLeastOnce, cancellationToken: ct);
        }

        await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), "the connection to drop", ct);
        for (var i = 0; i < 10; i++)
        {
            broker.Broker.Publish("b", new[] { (byte)i }, QualityOfService.AtLeastOnce);
        }

        await using var again = await broker.ConnectAsync("bounded", ProtocolVersion.V311, cleanSession: false, cancellationToken: ct);
        for (var i = 0; i < 3; i++)
        {
            var message = await again.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.Equal(i, message.Payload.Span[0]);
            await again.SendAsync(new AckPacket(PacketType.PubAck, message.PacketId), ct);
        }

        await again.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task A_resumed_session_resends_no_more_than_the_new_receive_maximum()
    {
        // [MQTT-3.3.4-9] applies to redelivery too: 3 unacknowledged, reconnect with Receive Maximum 1.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        Func<ConnectPacket, ConnectPacket> connect(ushort receiveMaximum) => c => new ConnectPacket
        {
            ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = false, SessionExpiryInterval = 60, ReceiveMaximum = receiveMaximum,
        };
        await using (var first = await broker.ConnectAsync("window", cleanSession: false, customize: connect(10), cancellationToken: ct))
        {
            await first.SubscribeAsync("w", QualityOfService.AtLeastOnce, cancellationToken: ct);
            for (var i = 0; i < 3; i++)
            {
                broker.Broker.Publish("w", new[] { (byte)i }, QualityOfService.AtLeastOnce);
                await first.ExpectAsync<PublishPacket>(cancellationToken: ct);
            }
        }

        await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), "the connection to drop", ct);
        await using var second = await broker.ConnectAsync("window", cleanSession: false, customize: connect(1), cancellationToken: ct);

        for (var i = 0; i < 3; i++)
        {
            var resent = await second.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.True(resent.Dup);
            Assert.Equal(i, resent.Payload.Span[0]);
            await second.ExpectNothingAsync(TimeSpan.FromMilliseconds(200), ct);
            await second.SendAsync(new AckPacket(PacketType.PubAck, resent.PacketId), ct);
        }
    }

    [Fact]
    public async Task A_clean_311_session_is_not_resumed_by_a_takeover()
    {
        // [MQTT-3.1.2-6] (3.1.1): the state of a clean session must not be reused.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var first = await broker.ConnectAsync("clean-take", ProtocolVersion.V311, cleanSession: true, cancellationToken: ct);
        await first.SubscribeAsync("old", cancellationToken: ct);

        await using var second = await broker.ConnectAsync("clean-take", ProtocolVersion.V311, cleanSession: false, cancellationToken: ct);

        Assert.False(second.LastConnAck!.SessionPresent);
        Assert.Equal(0, broker.Broker.Publish("old", "x"u8.ToArray()));
    }
}
