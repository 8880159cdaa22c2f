using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Properties;

/// <summary>MQTT 5 properties end to end: topic aliases both ways, expiry, user properties, Maximum Packet Size.</summary>
public sealed class PropertiesTests
{
    [Fact]
    public async Task Publish_properties_pass_through_unchanged_and_in_order()
    {
        // [MQTT-3.3.2-17], [MQTT-3.3.2-18]: user properties forwarded in order; the other properties unaltered.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("pub", cancellationToken: ct);
        await subscriber.SubscribeAsync("props", cancellationToken: ct);
        UserProperty[] properties = [new("b", "2"), new("a", "1"), new("b", "3")];

        await publisher.SendAsync(new PublishPacket
        {
            Topic = "props",
            Payload = "{}"u8.ToArray(),
            PayloadFormat = PayloadFormatIndicator.Utf8,
            ContentType = "application/json",
            ResponseTopic = "reply/to",
            CorrelationData = [1, 2, 3],
            UserProperties = properties,
        }, ct);

        var received = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(properties, received.UserProperties);
        Assert.Equal(PayloadFormatIndicator.Utf8, received.PayloadFormat);
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal("reply/to", received.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3 }, received.CorrelationData);
    }

    [Fact]
    public async Task An_inbound_topic_alias_stands_for_its_topic()
    {
        // [MQTT-3.3.2-12]: alias set with a topic, then used with an empty topic.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("pub", cancellationToken: ct);
        await subscriber.SubscribeAsync("long/topic/name", cancellationToken: ct);

        await publisher.SendAsync(new PublishPacket { Topic = "long/topic/name", TopicAlias = 1, Payload = "1"u8.ToArray() }, ct);
        await publisher.SendAsync(new PublishPacket { Topic = "", TopicAlias = 1, Payload = "2"u8.ToArray() }, ct);

        Assert.Equal("long/topic/name", (await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
        Assert.Equal("long/topic/name", (await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
    }

    [Fact]
    public async Task A_topic_alias_above_the_maximum_is_disconnected_with_0x94()
    {
        // [MQTT-3.3.2-9]
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.TopicAliasMaximum = 5, cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("pub", cancellationToken: ct);

        await publisher.SendAsync(new PublishPacket { Topic = "t", TopicAlias = 6 }, ct);

        Assert.Equal(ReasonCode.TopicAliasInvalid, (await publisher.ExpectAsync<DisconnectPacket>(cancellationToken: ct)).ReasonCode);
        await publisher.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task The_broker_assigns_topic_aliases_up_to_the_clients_maximum()
    {
        // [MQTT-3.3.2-10]: first use carries topic and alias, later ones only the alias.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub",
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, TopicAliasMaximum = 1 }, cancellationToken: ct);
        await subscriber.SubscribeAsync("alias/#", cancellationToken: ct);

        broker.Broker.Publish("alias/a", "1"u8.ToArray());
        broker.Broker.Publish("alias/a", "2"u8.ToArray());
        broker.Broker.Publish("alias/b", "3"u8.ToArray());

        var first = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        var second = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        var third = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(("alias/a", (ushort)1), (first.Topic, first.TopicAlias));
        Assert.Equal(("", (ushort)1), (second.Topic, second.TopicAlias));
        Assert.Equal(("alias/b", (ushort)0), (third.Topic, third.TopicAlias));
    }

    [Fact]
    public async Task Message_expiry_is_decremented_when_forwarded_and_expired_messages_are_dropped()
    {
        // [MQTT-3.3.2-5], [MQTT-3.3.2-6]
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using (var offline = await broker.ConnectAsync("exp", cleanSession: false,
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = false, SessionExpiryInterval = 60 }, cancellationToken: ct))
        {
            await offline.SubscribeAsync("exp", QualityOfService.AtLeastOnce, cancellationToken: ct);
        }

        await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 0, TimeSpan.FromSeconds(5), "the connection to drop", ct);
        broker.Broker.Publish(new PublishPacket { Topic = "exp", QoS = QualityOfService.AtLeastOnce, MessageExpiryInterval = 1, Payload = "short"u8.ToArray() });
        broker.Broker.Publish(new PublishPacket { Topic = "exp", QoS = QualityOfService.AtLeastOnce, MessageExpiryInterval = 30, Payload = "long"u8.ToArray() });
        await Task.Delay(2100, ct); // ok-to-sleep: let two seconds of expiry pass

        await using var back = await broker.ConnectAsync("exp", cleanSession: false,
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = false, SessionExpiryInterval = 60 }, cancellationToken: ct);

        var survivor = await back.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal("long"u8.ToArray(), survivor.Payload.ToArray());
        Assert.InRange(survivor.MessageExpiryInterval!.Value, 26u, 28u);
        await back.SendAsync(new AckPacket(PacketType.PubAck, survivor.PacketId), ct);
        await back.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task A_message_larger_than_the_clients_maximum_packet_size_is_not_sent()
    {
        // [MQTT-3.1.2-24]: dropped (and counted); later messages still flow.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("small",
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, MaximumPacketSize = 100 }, cancellationToken: ct);
        await subscriber.SubscribeAsync("size", QualityOfService.AtLeastOnce, cancellationToken: ct);

        broker.Broker.Publish("size", new byte[200], QualityOfService.AtLeastOnce);
        broker.Broker.Publish("size", new byte[10], QualityOfService.AtLeastOnce);

        var received = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(10, received.Payload.Length);
    }

    [Fact]
    public async Task A_packet_over_the_brokers_maximum_size_is_refused_with_0x95()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.MaximumPacketSize = 1024, cancellationToken: ct);
        await using var client = await broker.ConnectAsync("big", cancellationToken: ct);

        await client.SendAsync(new PublishPacket { Topic = "t", Payload = new byte[2000] }, ct);

        Assert.Equal(ReasonCode.PacketTooLarge, (await client.ExpectAsync<DisconnectPacket>(cancellationToken: ct)).ReasonCode);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task A_utf8_payload_that_is_not_utf8_is_refused_with_0x99()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.ConnectAsync("pfi", cancellationToken: ct);

        await client.SendAsync(new PublishPacket { Topic = "t", QoS = QualityOfService.AtLeastOnce, PacketId = 3, PayloadFormat = PayloadFormatIndicator.Utf8, Payload = new byte[] { 0xC3, 0x28 } }, ct);

        Assert.Equal(ReasonCode.PayloadFormatInvalid, (await client.ExpectAckAsync(PacketType.PubAck, 3, ct)).ReasonCode);
    }

    [Fact]
    public async Task A_topic_alias_is_not_assumed_known_when_its_first_packet_was_dropped_for_size()
    {
        // Review finding: the alias must be registered only when the packet carrying topic + alias is written.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("alias-size",
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, TopicAliasMaximum = 1, MaximumPacketSize = 100 }, cancellationToken: ct);
        await subscriber.SubscribeAsync("big/or/small", cancellationToken: ct);

        broker.Broker.Publish("big/or/small", new byte[200]);
        broker.Broker.Publish("big/or/small", new byte[5]);

        var received = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(("big/or/small", (ushort)1, 5), (received.Topic, received.TopicAlias, received.Payload.Length));
    }
}
