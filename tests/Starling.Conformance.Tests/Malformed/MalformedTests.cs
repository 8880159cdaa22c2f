using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Malformed;

/// <summary>Bad input closes only the offending connection, with the specific reason code first on MQTT 5.</summary>
public sealed class MalformedTests
{
    public static TheoryData<string, string, ReasonCode> Cases => new()
    {
        { "reserved flags on SUBSCRIBE", "80 06 00 01 00 01 61 00", ReasonCode.MalformedPacket },
        { "PUBLISH with QoS 3", "36 06 00 01 74 00 01 00", ReasonCode.MalformedPacket },
        { "wildcard in a PUBLISH topic", "30 06 00 03 61 2F 23 00", ReasonCode.TopicNameInvalid },
        { "SUBSCRIBE without filters", "82 03 00 01 00", ReasonCode.ProtocolError },
        { "Remaining Length over four bytes", "30 FF FF FF FF 7F", ReasonCode.MalformedPacket },
        { "AUTH without a method in CONNECT", "F0 00", ReasonCode.ProtocolError },
        { "a client PUBLISH with a Subscription Identifier", "30 06 00 01 74 02 0B 01", ReasonCode.ProtocolError },
        { "more QoS 2 in flight than Receive Maximum", "", ReasonCode.ReceiveMaximumExceeded },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_violation_disconnects_only_that_client_with_the_reason_code(string name, string hex, ReasonCode expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.ReceiveMaximum = 2, cancellationToken: ct);
        await using var bystander = await broker.ConnectAsync("bystander", cancellationToken: ct);
        await bystander.SubscribeAsync("still/#", cancellationToken: ct);
        await using var offender = await broker.ConnectAsync("offender", cancellationToken: ct);

        if (hex.Length > 0)
        {
            await offender.SendAsync(Hex.Parse(hex), ct);
        }
        else
        {
            for (ushort id = 1; id <= 3; id++)
            {
                await offender.SendAsync(new PublishPacket { Topic = "q2", QoS = QualityOfService.ExactlyOnce, PacketId = id }, ct);
            }

            await offender.ExpectAckAsync(PacketType.PubRec, 1, ct);
            await offender.ExpectAckAsync(PacketType.PubRec, 2, ct);
        }

        var disconnect = await offender.ExpectAsync<DisconnectPacket>(cancellationToken: ct);
        Assert.True(expected == disconnect.ReasonCode, $"{name}: expected {expected}, got {disconnect.ReasonCode}");
        Assert.False(string.IsNullOrEmpty(disconnect.ReasonString));
        await offender.ExpectClosedAsync(cancellationToken: ct);

        broker.Broker.Publish("still/here", "ok"u8.ToArray());
        Assert.Equal("still/here", (await bystander.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic);
    }

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    public async Task A_v3_violation_closes_without_a_disconnect_packet(ProtocolVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var offender = await broker.ConnectAsync("offender", version, cancellationToken: ct);

        await offender.SendAsync(Hex.Parse("36 05 00 01 74 00 01"), ct); // QoS 3

        await offender.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task A_missing_pubrel_disconnects_the_client_after_the_pubrel_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.PubRelTimeout = TimeSpan.FromMilliseconds(500), cancellationToken: ct);
        await using var client = await broker.ConnectAsync("stuck", cancellationToken: ct);

        await client.SendAsync(new PublishPacket { Topic = "t", QoS = QualityOfService.ExactlyOnce, PacketId = 1 }, ct);
        await client.ExpectAckAsync(PacketType.PubRec, 1, ct);

        var disconnect = await client.ExpectAsync<DisconnectPacket>(TimeSpan.FromSeconds(5), ct);
        Assert.Equal(ReasonCode.ImplementationSpecificError, disconnect.ReasonCode);
        Assert.Contains("PUBREL", disconnect.ReasonString, StringComparison.Ordinal);
    }
}
