using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Will;

/// <summary>Wills: published on an unclean end, not on DISCONNECT; 0x04; Will Delay Interval.</summary>
public sealed class WillTests
{
    private static Func<ConnectPacket, ConnectPacket> WithWill(uint? delay = null, uint? sessionExpiry = null, bool clean = true) => c => new ConnectPacket
    {
        ProtocolVersion = c.ProtocolVersion,
        ClientId = c.ClientId,
        CleanSession = clean,
        KeepAlive = 60,
        SessionExpiryInterval = sessionExpiry,
        Will = new WillMessage { Topic = "wills/" + c.ClientId, Payload = "gone"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, WillDelayInterval = delay },
    };

    private static async Task<RawMqttClient> WatcherAsync(BrokerFixture broker, CancellationToken ct)
    {
        var watcher = await broker.ConnectAsync("watcher", cancellationToken: ct);
        await watcher.SubscribeAsync("wills/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
        return watcher;
    }

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task The_will_is_published_when_the_connection_drops(ProtocolVersion version)
    {
        // [MQTT-3.1.2-8]: closed without DISCONNECT.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var watcher = await WatcherAsync(broker, ct);
        var dying = await broker.ConnectAsync("d", version, customize: WithWill(), cancellationToken: ct);

        await dying.DisposeAsync();

        var will = await watcher.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(("wills/d", "gone"), (will.Topic, System.Text.Encoding.UTF8.GetString(will.Payload.Span)));
    }

    [Fact]
    public async Task A_normal_disconnect_discards_the_will()
    {
        // [MQTT-3.1.2-10]
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var watcher = await WatcherAsync(broker, ct);
        await using var client = await broker.ConnectAsync("n", customize: WithWill(), cancellationToken: ct);

        await client.SendAsync(DisconnectPacket.Normal, ct);
        await client.ExpectClosedAsync(cancellationToken: ct);

        await watcher.ExpectNothingAsync(TimeSpan.FromMilliseconds(400), ct);
    }

    [Fact]
    public async Task Disconnect_with_will_message_publishes_the_will()
    {
        // Reason code 0x04 (Disconnect with Will Message).
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var watcher = await WatcherAsync(broker, ct);
        await using var client = await broker.ConnectAsync("w4", customize: WithWill(), cancellationToken: ct);

        await client.SendAsync(new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage }, ct);

        Assert.Equal("wills/w4", (await watcher.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
    }

    [Fact]
    public async Task The_will_is_published_on_a_protocol_error()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var watcher = await WatcherAsync(broker, ct);
        await using var client = await broker.ConnectAsync("bad", customize: WithWill(), cancellationToken: ct);

        await client.SendAsync(Hex.Parse("30 03 00 00 00"), ct); // v5 PUBLISH with an empty topic and no alias (section 3.3.4)

        Assert.Equal(ReasonCode.ProtocolError, (await client.ExpectAsync<DisconnectPacket>(cancellationToken: ct)).ReasonCode);
        Assert.Equal("wills/bad", (await watcher.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
    }

    [Fact]
    public async Task The_will_is_published_when_the_session_is_taken_over()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var watcher = await WatcherAsync(broker, ct);
        await using var first = await broker.ConnectAsync("t", ProtocolVersion.V311, customize: WithWill(), cancellationToken: ct);

        await using var second = await broker.ConnectAsync("t", ProtocolVersion.V311, cancellationToken: ct);

        Assert.Equal("wills/t", (await watcher.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
        await first.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task A_delayed_will_is_cancelled_when_the_client_reconnects_in_time()
    {
        // [MQTT-3.1.3-9]: the will waits for its delay; a reconnect to the session before then cancels it.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var watcher = await WatcherAsync(broker, ct);
        var client = await broker.ConnectAsync("late", customize: WithWill(delay: 2, sessionExpiry: 60, clean: false), cancellationToken: ct);
        await client.DisposeAsync();
        await WaitFor.ConditionAsync(() => broker.Broker.ConnectionCount == 1, TimeSpan.FromSeconds(5), "the connection to drop", ct);

        await using var back = await broker.ConnectAsync("late", cleanSession: false,
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = false, SessionExpiryInterval = 60 }, cancellationToken: ct);

        Assert.True(back.LastConnAck!.SessionPresent);
        await watcher.ExpectNothingAsync(TimeSpan.FromSeconds(2.5), ct);
    }

    [Fact]
    public async Task A_delayed_will_is_published_after_its_delay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var watcher = await WatcherAsync(broker, ct);
        var client = await broker.ConnectAsync("delayed", customize: WithWill(delay: 1, sessionExpiry: 60, clean: false), cancellationToken: ct);
        var dropped = DateTime.UtcNow;

        await client.DisposeAsync();

        Assert.Equal("wills/delayed", (await watcher.ExpectAsync<PublishPacket>(TimeSpan.FromSeconds(5), ct)).Topic);
        Assert.InRange((DateTime.UtcNow - dropped).TotalSeconds, 0.9, 4);
    }

    [Fact]
    public async Task A_delayed_will_is_published_when_the_session_ends_first()
    {
        // [MQTT-3.1.3-9]: Will Delay 60 s but Session Expiry 0: the session ends at disconnect, so the will goes now.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var watcher = await WatcherAsync(broker, ct);
        var client = await broker.ConnectAsync("short", customize: WithWill(delay: 60, sessionExpiry: 0), cancellationToken: ct);

        await client.DisposeAsync();

        Assert.Equal("wills/short", (await watcher.ExpectAsync<PublishPacket>(TimeSpan.FromSeconds(3), ct)).Topic);
    }
}
