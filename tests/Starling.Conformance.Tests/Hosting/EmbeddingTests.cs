using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Starling.Broker;
using Starling.Broker.Security;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.Server;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Hosting;

/// <summary>A Generic Host application that embeds the broker, as the README's "Embed it" section shows.</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public async Task A_generic_host_app_runs_the_broker_publishes_from_code_and_observes_events()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Get();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IAuthenticator, OnlyUser>();
        builder.Services.AddStarlingBroker(options => options.MaximumKeepAlive = 120);
        builder.Services.AddStarlingTcpListener(new IPEndPoint(IPAddress.Loopback, port));
        using var host = builder.Build();
        var broker = host.Services.GetRequiredService<MqttBroker>();
        var connected = new TaskCompletionSource<ClientConnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var published = new TaskCompletionSource<MessagePublishedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.ClientConnected += (_, e) => connected.TrySetResult(e);
        broker.MessagePublished += (_, e) => published.TrySetResult(e);
        await host.StartAsync(ct);

        await using (var refused = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct))
        {
            await refused.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "intruder", UserName = "mallory" }, ct);
            Assert.Equal(ReasonCode.NotAuthorized, (await refused.ExpectAsync<ConnAckPacket>(cancellationToken: ct)).ReasonCode);
        }

        await using var subscriber = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
        await subscriber.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "device-1", UserName = "device" }, ct);
        Assert.Equal(ReasonCode.Success, (await subscriber.ExpectAsync<ConnAckPacket>(cancellationToken: ct)).ReasonCode);
        Assert.Equal("device-1", (await connected.Task.WaitAsync(TimeSpan.FromSeconds(5), ct)).ClientId);
        await subscriber.SubscribeAsync("commands/#", QualityOfService.AtLeastOnce, cancellationToken: ct);

        Assert.Equal(1, broker.Publish("commands/reboot", "now"u8.ToArray(), QualityOfService.AtLeastOnce));

        var command = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal("commands/reboot", command.Topic);
        Assert.Equal("commands/reboot", (await published.Task.WaitAsync(TimeSpan.FromSeconds(5), ct)).Message.Topic);
        var client = Assert.Single(broker.GetClients());
        Assert.Equal(("device-1", "device"), (client.ClientId, client.UserName));
        Assert.Equal(["commands/#"], client.Subscriptions);

        await host.StopAsync(ct);
        Assert.Equal(ReasonCode.ServerShuttingDown, (await subscriber.ExpectAsync<DisconnectPacket>(cancellationToken: ct)).ReasonCode);
    }

    private sealed class OnlyUser : IAuthenticator
    {
        public ValueTask<ReasonCode> AuthenticateAsync(ConnectionRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(request.Connect.UserName == "device" ? ReasonCode.Success : ReasonCode.NotAuthorized);
    }
}
