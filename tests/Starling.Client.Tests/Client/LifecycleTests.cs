using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Client;

/// <summary>
/// The client's own life across connections: a reconnect loop that outlives any failure, and DisconnectAsync /
/// DisposeAsync that stop a reconnect in progress for good.
/// </summary>
public sealed class LifecycleTests
{
    [Fact(Timeout = 60_000)]
    public async Task Reconnecting_survives_a_throwing_authentication_handler_and_a_refused_CONNACK_and_reports_each_cause()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        var options = ClientTestExtensions.Options(broker.Uri, "stubborn");
        options.AuthenticationMethod = "TEST";
        var challenges = 0;
        options.AuthenticationHandler = (_, _) => Interlocked.Increment(ref challenges) == 1
            ? throw new InvalidOperationException("handler bug")
            : ValueTask.FromResult<byte[]?>(null);
        await using var client = new MqttClient(options);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connects = 0;
        client.Connected += (_, _) =>
        {
            if (Interlocked.Increment(ref connects) == 2)
            {
                reconnected.TrySetResult();
            }
        };
        var connecting = client.ConnectAsync(ct);
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        await broker.SendAsync(new ConnAckPacket(), ct);
        await connecting;
        await broker.DropAsync();

        // Attempt 1: the AUTH challenge makes the application's handler throw (not an MqttClientException).
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        await broker.SendAsync(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "TEST" }, ct);
        await broker.ExpectClosedAsync(ct);
        await broker.DropAsync();

        // Attempt 2: refused, with a Server Reference.
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        Assert.IsType<InvalidOperationException>(client.LastReconnectError);
        await broker.SendAsync(new ConnAckPacket { ReasonCode = ReasonCode.ServerBusy, ServerReference = "other:1883" }, ct);
        await broker.ExpectClosedAsync(ct);
        await broker.DropAsync();

        // Attempt 3: accepted.
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        var refused = Assert.IsType<MqttClientException>(client.LastReconnectError);
        Assert.Equal((ReasonCode.ServerBusy, "other:1883"), (refused.ReasonCode, refused.ServerReference));
        await broker.SendAsync(new ConnAckPacket(), ct);
        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(MqttClientState.Connected, client.State);
        Assert.Null(client.LastReconnectError);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisconnectAsync_or_DisposeAsync_during_a_reconnect_stops_it_for_good(bool dispose)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        var client = new MqttClient(ClientTestExtensions.Options(broker.Uri, "stopped"));
        await using var _ = client;
        var connecting = client.ConnectAsync(ct);
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        await broker.SendAsync(new ConnAckPacket(), ct);
        await connecting;
        await broker.DropAsync();
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct); // a reconnect is waiting for its CONNACK

        if (dispose)
        {
            await client.DisposeAsync();
        }
        else
        {
            await client.DisconnectAsync(cancellationToken: ct);
        }

        // The attempt was abandoned: the CONNACK that still comes does not bring the client back.
        await broker.SendAsync(new ConnAckPacket(), ct);
        await broker.ExpectClosedAsync(ct);
        Assert.Equal(dispose ? MqttClientState.Disposed : MqttClientState.Disconnected, client.State);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task ConnectAsync_right_after_DisconnectAsync_stays_connected(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var client = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "again"), ct);
        for (var i = 0; i < 20; i++)
        {
            await client.DisconnectAsync(cancellationToken: ct);
            Assert.Equal(MqttClientState.Disconnected, client.State);
            await client.ConnectAsync(ct);
            // The old connection's watcher has finished: it cannot mark this new connection lost.
            var result = await client.PublishAsync("again/x", $"{i}", QualityOfService.AtLeastOnce, cancellationToken: ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
            Assert.True(result.IsSuccess);
            Assert.Equal(MqttClientState.Connected, client.State);
        }
    }
}
