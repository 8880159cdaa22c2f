using Starling.Broker.Security;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Subscribe;

/// <summary>SUBSCRIBE / UNSUBSCRIBE, shared subscriptions and authorization.</summary>
public sealed class SubscribeTests
{
    [Fact]
    public async Task Unsubscribe_stops_delivery_and_reports_whether_the_subscription_existed()
    {
        // [MQTT-3.10.4-1], [MQTT-3.10.4-4]; 5.0 UNSUBACK codes 0x00 / 0x11.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.ConnectAsync("u", cancellationToken: ct);
        await client.SubscribeAsync("u/+", cancellationToken: ct);

        await client.SendAsync(new UnsubscribePacket { PacketId = 5, TopicFilters = ["u/+", "never/subscribed"] }, ct);

        var unsuback = await client.ExpectAsync<UnsubAckPacket>(cancellationToken: ct);
        Assert.Equal((ushort)5, unsuback.PacketId);
        Assert.Equal([ReasonCode.Success, ReasonCode.NoSubscriptionExisted], unsuback.ReasonCodes);
        Assert.Equal(0, broker.Broker.Publish("u/1", "x"u8.ToArray()));
    }

    [Fact]
    public async Task A_shared_subscription_gives_each_message_to_one_member_in_turn()
    {
        // Section 4.8.2: each message to exactly one member; round robin by default.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var a = await broker.ConnectAsync("a", cancellationToken: ct);
        await using var b = await broker.ConnectAsync("b", cancellationToken: ct);
        await a.SubscribeAsync("$share/workers/jobs/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
        await b.SubscribeAsync("$share/workers/jobs/#", QualityOfService.AtLeastOnce, cancellationToken: ct);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(1, broker.Broker.Publish("jobs/x", new[] { (byte)i }, QualityOfService.AtLeastOnce));
        }

        var received = new List<int>();
        foreach (var client in new[] { a, b })
        {
            for (var i = 0; i < 5; i++)
            {
                var message = await client.ExpectAsync<PublishPacket>(cancellationToken: ct);
                received.Add(message.Payload.Span[0]);
                await client.SendAsync(new AckPacket(PacketType.PubAck, message.PacketId), ct);
            }

            await client.ExpectNothingAsync(TimeSpan.FromMilliseconds(200), ct);
        }

        Assert.Equal(Enumerable.Range(0, 10), received.Order());
    }

    [Fact]
    public async Task A_shared_members_unacknowledged_messages_go_to_another_member_when_its_session_ends()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.SharedSubscriptionStrategy = Broker.SharedSubscriptionStrategy.Sticky, cancellationToken: ct);
        var leaving = await broker.ConnectAsync("leaving", cancellationToken: ct);
        await leaving.SubscribeAsync("$share/g/work", QualityOfService.AtLeastOnce, cancellationToken: ct);
        broker.Broker.Publish("work", "job"u8.ToArray(), QualityOfService.AtLeastOnce);
        await leaving.ExpectAsync<PublishPacket>(cancellationToken: ct); // received, never acknowledged
        await using var staying = await broker.ConnectAsync("staying", cancellationToken: ct);
        await staying.SubscribeAsync("$share/g/work", QualityOfService.AtLeastOnce, cancellationToken: ct);

        await leaving.DisposeAsync(); // clean session: it ends with the connection

        var handed = await staying.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal("job"u8.ToArray(), handed.Payload.ToArray());
    }

    [Fact]
    public async Task An_unauthorized_subscription_gets_0x87_on_v5_and_0x80_on_v311()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(authorizer: new DenyTopic("secret"), cancellationToken: ct);
        await using var v5 = await broker.ConnectAsync("v5", ProtocolVersion.V500, cancellationToken: ct);
        await using var v3 = await broker.ConnectAsync("v3", ProtocolVersion.V311, cancellationToken: ct);

        Assert.Equal([ReasonCode.NotAuthorized], await v5.SubscribeAsync("secret/#", cancellationToken: ct));
        Assert.Equal([ReasonCode.UnspecifiedError], await v3.SubscribeAsync("secret/#", cancellationToken: ct));
        Assert.Equal([ReasonCode.GrantedQoS0], await v3.SubscribeAsync("public/#", packetId: 2, cancellationToken: ct));
    }

    [Fact]
    public async Task An_unauthorized_publish_is_refused_with_0x87_and_not_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(authorizer: new DenyTopic("secret"), cancellationToken: ct);
        await using var watcher = await broker.ConnectAsync("w", cancellationToken: ct);
        await watcher.SubscribeAsync("#", cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("p", cancellationToken: ct);

        Assert.Equal(ReasonCode.NotAuthorized, await publisher.PublishAsync("secret/x", "x"u8.ToArray(), QualityOfService.AtLeastOnce, cancellationToken: ct));

        await watcher.ExpectNothingAsync(TimeSpan.FromMilliseconds(300), ct);
    }

    [Fact]
    public async Task Subscriptions_beyond_the_per_session_limit_get_quota_exceeded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.MaximumSubscriptionsPerSession = 2, cancellationToken: ct);
        await using var client = await broker.ConnectAsync("greedy", cancellationToken: ct);

        await client.SendAsync(new SubscribePacket { PacketId = 1, Subscriptions = [new("a", QualityOfService.AtMostOnce), new("b", QualityOfService.AtMostOnce), new("c", QualityOfService.AtMostOnce)] }, ct);
        var suback = await client.ExpectAsync<SubAckPacket>(cancellationToken: ct);

        Assert.Equal([ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS0, ReasonCode.QuotaExceeded], suback.ReasonCodes);
        Assert.Equal([ReasonCode.GrantedQoS1], await client.SubscribeAsync("a", QualityOfService.AtLeastOnce, packetId: 2, cancellationToken: ct)); // replacing is fine
    }

    private sealed class DenyTopic(string prefix) : IAuthorizer
    {
        public bool CanPublish(string clientId, string? userName, string topic) => !topic.StartsWith(prefix, StringComparison.Ordinal);

        public bool CanSubscribe(string clientId, string? userName, string topicFilter) => !topicFilter.StartsWith(prefix, StringComparison.Ordinal);
    }
}
