using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Retained;

/// <summary>Retained messages: store, replace, delete, delivery on subscribe, Retain Handling, Retain As Published.</summary>
public sealed class RetainedTests
{
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task A_new_subscriber_gets_the_last_retained_message_with_retain_set(ProtocolVersion version)
    {
        // [MQTT-3.3.1-5] store (replacing the previous one), [MQTT-3.3.1-8] RETAIN=1 when sent because of a subscribe.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("pub", version, cancellationToken: ct);
        await publisher.PublishAsync("r/1", "old"u8.ToArray(), QualityOfService.AtLeastOnce, retain: true, cancellationToken: ct);
        await publisher.PublishAsync("r/1", "new"u8.ToArray(), QualityOfService.AtLeastOnce, retain: true, packetId: 2, cancellationToken: ct);

        await using var subscriber = await broker.ConnectAsync("sub", version, cancellationToken: ct);
        await subscriber.SubscribeAsync("r/#", QualityOfService.AtLeastOnce, cancellationToken: ct);

        var retained = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.True(retained.Retain);
        Assert.Equal("new"u8.ToArray(), retained.Payload.ToArray());
        Assert.Equal(QualityOfService.AtLeastOnce, retained.QoS);
    }

    [Fact]
    public async Task An_empty_retained_message_deletes_the_retained_message()
    {
        // [MQTT-3.3.1-6], [MQTT-3.3.1-7]; the empty message still reaches current subscribers.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("pub", cancellationToken: ct);
        await publisher.PublishAsync("r/x", "value"u8.ToArray(), QualityOfService.AtLeastOnce, retain: true, cancellationToken: ct);
        Assert.Equal(1, broker.Broker.RetainedMessageCount);

        await publisher.PublishAsync("r/x", [], QualityOfService.AtLeastOnce, retain: true, packetId: 2, cancellationToken: ct);

        Assert.Equal(0, broker.Broker.RetainedMessageCount);
        await using var subscriber = await broker.ConnectAsync("sub", cancellationToken: ct);
        await subscriber.SubscribeAsync("r/#", cancellationToken: ct);
        await subscriber.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task Routed_messages_clear_retain_unless_retain_as_published()
    {
        // [MQTT-3.3.1-12], [MQTT-3.3.1-13]
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var plain = await broker.ConnectAsync("plain", cancellationToken: ct);
        await using var asPublished = await broker.ConnectAsync("rap", cancellationToken: ct);
        await plain.SubscribeAsync("live", cancellationToken: ct);
        await asPublished.SubscribeAsync("live", options: s => s with { RetainAsPublished = true }, cancellationToken: ct);

        broker.Broker.Publish("live", "x"u8.ToArray(), retain: true);

        Assert.False((await plain.ExpectAsync<PublishPacket>(cancellationToken: ct)).Retain);
        Assert.True((await asPublished.ExpectAsync<PublishPacket>(cancellationToken: ct)).Retain);
    }

    [Fact]
    public async Task Retain_handling_1_sends_retained_messages_only_for_a_new_subscription_and_2_never()
    {
        // [MQTT-3.3.1-9], [MQTT-3.3.1-10], [MQTT-3.3.1-11]
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        broker.Broker.Publish("h/1", "kept"u8.ToArray(), retain: true);
        await using var client = await broker.ConnectAsync("c", cancellationToken: ct);

        await client.SubscribeAsync("h/#", options: s => s with { RetainHandling = RetainHandling.SendAtSubscribeIfNew }, cancellationToken: ct);
        Assert.True((await client.ExpectAsync<PublishPacket>(cancellationToken: ct)).Retain);
        await client.SubscribeAsync("h/#", packetId: 2, options: s => s with { RetainHandling = RetainHandling.SendAtSubscribeIfNew }, cancellationToken: ct);
        await client.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
        await client.SubscribeAsync("h/+", packetId: 3, options: s => s with { RetainHandling = RetainHandling.DoNotSend }, cancellationToken: ct);
        await client.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task A_shared_subscription_gets_no_retained_messages()
    {
        // [MQTT-4.8.2-?] Retained messages are not sent for shared subscriptions.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        broker.Broker.Publish("s/1", "kept"u8.ToArray(), retain: true);
        await using var client = await broker.ConnectAsync("c", cancellationToken: ct);

        await client.SubscribeAsync("$share/g/s/#", cancellationToken: ct);

        await client.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task An_expired_retained_message_is_not_served()
    {
        // [MQTT-3.3.2-5]: Message Expiry Interval 1 s, subscribe after it passed.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        broker.Broker.Publish(new PublishPacket { Topic = "e/1", Payload = "short"u8.ToArray(), Retain = true, MessageExpiryInterval = 1 });
        await Task.Delay(1200, ct); // ok-to-sleep: the message expiry clock must run out

        await using var client = await broker.ConnectAsync("c", cancellationToken: ct);
        await client.SubscribeAsync("e/#", cancellationToken: ct);

        await client.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
        Assert.Equal(0, broker.Broker.RetainedMessageCount);
    }

    [Fact]
    public async Task An_expired_retained_message_is_purged_without_any_subscribe()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        broker.Broker.Publish(new PublishPacket { Topic = "purge/1", Payload = "short"u8.ToArray(), Retain = true, MessageExpiryInterval = 1 });
        Assert.Equal(1, broker.Broker.RetainedMessageCount);

        await WaitFor.ConditionAsync(() => broker.Broker.RetainedMessageCount == 0, TimeSpan.FromSeconds(5), "housekeeping to purge the expired retained message", ct);
    }

    [Fact]
    public async Task The_retained_store_is_bounded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.MaximumRetainedMessages = 2, cancellationToken: ct);

        broker.Broker.Publish("b/1", "1"u8.ToArray(), retain: true);
        broker.Broker.Publish("b/2", "2"u8.ToArray(), retain: true);
        broker.Broker.Publish("b/3", "3"u8.ToArray(), retain: true);
        broker.Broker.Publish("b/1", "replaced"u8.ToArray(), retain: true);

        Assert.Equal(["b/1:replaced", "b/2:2"], broker.Broker.GetRetainedMessages()
            .Select(m => $"{m.Topic}:{System.Text.Encoding.UTF8.GetString(m.Payload.Span)}").Order());
    }
}
