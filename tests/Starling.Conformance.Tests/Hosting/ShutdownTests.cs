using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Hosting;

/// <summary>Graceful stop and administrative disconnects from the embedding API.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_the_broker_sends_server_shutting_down_to_v5_clients_and_closes_v3_ones()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var v5 = await broker.ConnectAsync("v5", ProtocolVersion.V500, cancellationToken: ct);
        await using var v3 = await broker.ConnectAsync("v3", ProtocolVersion.V311, cancellationToken: ct);

        var stopping = broker.Broker.StopAsync(ct);

        Assert.Equal(ReasonCode.ServerShuttingDown, (await v5.ExpectAsync<DisconnectPacket>(cancellationToken: ct)).ReasonCode);
        await v5.ExpectClosedAsync(cancellationToken: ct);
        await v3.ExpectClosedAsync(cancellationToken: ct);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(0, broker.Broker.ConnectionCount);
    }

    [Fact]
    public async Task A_client_can_be_disconnected_from_code_with_administrative_action()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.ConnectAsync("victim", cancellationToken: ct);

        Assert.True(broker.Broker.DisconnectClient("victim"));

        Assert.Equal(ReasonCode.AdministrativeAction, (await client.ExpectAsync<DisconnectPacket>(cancellationToken: ct)).ReasonCode);
        await client.ExpectClosedAsync(cancellationToken: ct);
        Assert.False(broker.Broker.DisconnectClient("nobody"));
    }
}
