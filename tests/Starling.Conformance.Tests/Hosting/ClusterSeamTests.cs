using System.Collections.Concurrent;
using Starling.Broker.Cluster;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Hosting;

/// <summary>The cluster seam: every routed message is offered to the bus, and a refused client id claim refuses the CONNECT.</summary>
public sealed class ClusterSeamTests
{
    [Fact]
    public async Task Routed_messages_are_forwarded_to_the_bus_and_a_refused_claim_gets_0x89()
    {
        var ct = TestContext.Current.CancellationToken;
        var bus = new RecordingBus();
        await using var broker = await BrokerFixture.StartAsync(cluster: bus, cancellationToken: ct);
        await using var publisher = await broker.ConnectAsync("local", cancellationToken: ct);

        await publisher.PublishAsync("to/other/nodes", "x"u8.ToArray(), QualityOfService.AtLeastOnce, cancellationToken: ct);

        var (message, publisherId) = Assert.Single(bus.Forwarded);
        Assert.Equal(("to/other/nodes", "local"), (message.Topic, publisherId));

        await using var refused = await broker.OpenAsync(ct);
        await refused.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "held-elsewhere" }, ct);
        Assert.Equal(ReasonCode.ServerBusy, (await refused.ExpectAsync<ConnAckPacket>(cancellationToken: ct)).ReasonCode);
        await refused.ExpectClosedAsync(cancellationToken: ct);
    }

    private sealed class RecordingBus : IClusterBus
    {
        public ConcurrentQueue<(PublishPacket, string?)> Forwarded { get; } = new();

        public void Forward(PublishPacket message, string? publisherClientId) => Forwarded.Enqueue((message, publisherClientId));

        public ValueTask<bool> ClaimClientIdAsync(string clientId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(clientId != "held-elsewhere");
    }
}
