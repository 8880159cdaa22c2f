using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Publish;

/// <summary>PUBLISH flows at QoS 0, 1 and 2, QoS downgrade, overlapping subscriptions, $ topics.</summary>
public sealed class PublishTests
{
    public static TheoryData<ProtocolVersion, QualityOfService> VersionsAndQoS()
    {
        var data = new TheoryData<ProtocolVersion, QualityOfService>();
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500 })
        {
            foreach (var qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
            {
                data.Add(version, qos);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VersionsAndQoS))]
    public async Task A_message_reaches_a_subscriber_at_the_published_qos(ProtocolVersion version, QualityOfService qos)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", version, cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("pub", version, cancellationToken: ct);
        Assert.Equal([ReasonCode.GrantedQoS2], await subscriber.SubscribeAsync("a/+", QualityOfService.ExactlyOnce, cancellationToken: ct));

        Assert.True(Protocol.ReasonCodes.IsSuccess(await publisher.PublishAsync("a/b", "payload"u8.ToArray(), qos, packetId: 7, cancellationToken: ct)));

        var received = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(("a/b", qos, false), (received.Topic, received.QoS, received.Retain));
        Assert.Equal("payload"u8.ToArray(), received.Payload.ToArray());
        if (qos == QualityOfService.AtLeastOnce)
        {
            await subscriber.SendAsync(new AckPacket(PacketType.PubAck, received.PacketId), ct);
        }
        else if (qos == QualityOfService.ExactlyOnce)
        {
            // [MQTT-4.3.3-?] receiver side of QoS 2: PUBREC, then the broker releases with PUBREL, then PUBCOMP.
            await subscriber.SendAsync(new AckPacket(PacketType.PubRec, received.PacketId), ct);
            await subscriber.ExpectAckAsync(PacketType.PubRel, received.PacketId, ct);
            await subscriber.SendAsync(new AckPacket(PacketType.PubComp, received.PacketId), ct);
        }

        await subscriber.SendAsync(PingReqPacket.Instance, ct);
        await subscriber.ExpectAsync<PingRespPacket>(cancellationToken: ct);
        Assert.Equal(0, broker.Broker.GetClients().Single(c => c.ClientId == "sub").InflightMessages);
    }

    [Fact]
    public async Task The_delivered_qos_is_the_minimum_of_published_and_granted()
    {
        // [MQTT-3.8.4-8]: QoS 2 published to a QoS 1 subscription arrives at QoS 1.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", cancellationToken: ct);
        await subscriber.SubscribeAsync("t", QualityOfService.AtLeastOnce, cancellationToken: ct);

        broker.Broker.Publish("t", "x"u8.ToArray(), QualityOfService.ExactlyOnce);

        Assert.Equal(QualityOfService.AtLeastOnce, (await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).QoS);
    }

    [Fact]
    public async Task A_resent_qos2_publish_before_pubrel_is_not_forwarded_twice()
    {
        // [MQTT-4.3.3-10] exactly once on the inbound side.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", ProtocolVersion.V311, cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("pub", ProtocolVersion.V311, cancellationToken: ct);
        await subscriber.SubscribeAsync("once", QualityOfService.AtMostOnce, cancellationToken: ct);

        var publish = new PublishPacket { Topic = "once", QoS = QualityOfService.ExactlyOnce, PacketId = 9, Payload = "1"u8.ToArray() };
        await publisher.SendAsync(publish, ct);
        await publisher.ExpectAckAsync(PacketType.PubRec, 9, ct);
        await publisher.SendAsync(new PublishPacket { Topic = "once", QoS = QualityOfService.ExactlyOnce, PacketId = 9, Dup = true, Payload = "1"u8.ToArray() }, ct);
        await publisher.ExpectAckAsync(PacketType.PubRec, 9, ct);
        await publisher.SendAsync(new AckPacket(PacketType.PubRel, 9), ct);
        await publisher.ExpectAckAsync(PacketType.PubComp, 9, ct);

        await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        await subscriber.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Overlapping_subscriptions_deliver_once_at_the_highest_qos(ProtocolVersion version)
    {
        // [MQTT-3.3.4-2] (and [MQTT-3.3.5-1] of 3.1.1): one copy, maximum QoS; 5.0 carries every Subscription Identifier [MQTT-3.3.4-3].
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", version, cancellationToken: ct);
        await subscriber.SubscribeAsync("a/#", QualityOfService.AtMostOnce, packetId: 1, subscriptionId: version == ProtocolVersion.V500 ? 11 : null, cancellationToken: ct);
        await subscriber.SubscribeAsync("a/+", QualityOfService.AtLeastOnce, packetId: 2, subscriptionId: version == ProtocolVersion.V500 ? 22 : null, cancellationToken: ct);

        broker.Broker.Publish("a/b", "x"u8.ToArray(), QualityOfService.ExactlyOnce);

        var received = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(QualityOfService.AtLeastOnce, received.QoS);
        if (version == ProtocolVersion.V500)
        {
            Assert.Equal([11, 22], received.SubscriptionIdentifiers.Order());
        }

        await subscriber.SendAsync(new AckPacket(PacketType.PubAck, received.PacketId), ct);
        await subscriber.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task Dollar_topics_are_not_matched_by_filters_starting_with_a_wildcard()
    {
        // [MQTT-4.7.2-1]
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", cancellationToken: ct);
        await subscriber.SubscribeAsync("#", cancellationToken: ct);
        await subscriber.SubscribeAsync("+/x", packetId: 2, cancellationToken: ct);
        await subscriber.SubscribeAsync("$SYS/#", packetId: 3, cancellationToken: ct);

        broker.Broker.Publish("$SYS/x", "sys"u8.ToArray());
        broker.Broker.Publish("$other/x", "hidden"u8.ToArray());
        broker.Broker.Publish("plain/x", "plain"u8.ToArray());

        Assert.Equal("$SYS/x", (await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
        Assert.Equal("plain/x", (await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
        await subscriber.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task No_local_keeps_a_clients_own_messages_from_it()
    {
        // [MQTT-3.8.3-3]
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.ConnectAsync("self", cancellationToken: ct);
        await using var other = await broker.ConnectAsync("other", cancellationToken: ct);
        await client.SubscribeAsync("chat", options: s => s with { NoLocal = true }, cancellationToken: ct);

        await client.PublishAsync("chat", "mine"u8.ToArray(), cancellationToken: ct);
        await other.PublishAsync("chat", "theirs"u8.ToArray(), cancellationToken: ct);

        Assert.Equal("theirs"u8.ToArray(), (await client.ExpectAsync<PublishPacket>(cancellationToken: ct)).Payload.ToArray());
        await client.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task A_qos1_publish_with_no_subscribers_is_acknowledged_with_0x10_on_v5()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("pub", cancellationToken: ct);

        Assert.Equal(ReasonCode.NoMatchingSubscribers, await publisher.PublishAsync("nobody", "x"u8.ToArray(), QualityOfService.AtLeastOnce, cancellationToken: ct));
    }

    [Fact]
    public async Task Receive_maximum_bounds_the_unacknowledged_messages_sent_to_a_client()
    {
        // [MQTT-3.3.4-9]: with Receive Maximum 2 the broker sends 2, then one more per PUBACK.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("slow", ProtocolVersion.V500,
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, ReceiveMaximum = 2 }, cancellationToken: ct);
        await subscriber.SubscribeAsync("q", QualityOfService.AtLeastOnce, cancellationToken: ct);

        for (var i = 0; i < 5; i++)
        {
            broker.Broker.Publish("q", new[] { (byte)i }, QualityOfService.AtLeastOnce);
        }

        var first = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        var second = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        await subscriber.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
        await subscriber.SendAsync(new AckPacket(PacketType.PubAck, first.PacketId), ct);
        var third = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        await subscriber.ExpectNothingAsync(TimeSpan.FromMilliseconds(200), ct);

        Assert.Equal([0, 1, 2], new[] { first.Payload.Span[0], second.Payload.Span[0], third.Payload.Span[0] }.Select(b => (int)b));
    }

    [Fact]
    public async Task A_pubrec_with_a_failure_code_ends_the_qos2_flow_without_pubrel()
    {
        // [MQTT-4.3.3-4]: after PUBREC >= 0x80 the sender sends no PUBREL; the id and the window slot are free.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("refuser",
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, ReceiveMaximum = 1 }, cancellationToken: ct);
        await subscriber.SubscribeAsync("q2", QualityOfService.ExactlyOnce, cancellationToken: ct);

        broker.Broker.Publish("q2", "one"u8.ToArray(), QualityOfService.ExactlyOnce);
        broker.Broker.Publish("q2", "two"u8.ToArray(), QualityOfService.ExactlyOnce);
        var first = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        await subscriber.SendAsync(new AckPacket(PacketType.PubRec, first.PacketId, ReasonCode.QuotaExceeded), ct);

        var second = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal("two"u8.ToArray(), second.Payload.ToArray());
    }
}
