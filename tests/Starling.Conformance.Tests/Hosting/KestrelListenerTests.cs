using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.Server;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Hosting;

/// <summary>
/// MQTT served through Kestrel in a web application (<c>ListenMqtt</c>), the path that stays beside Starling's own
/// socket transport: the broker only sees a duplex pipe, so the same flows work over Kestrel's pipes.
/// </summary>
public sealed class KestrelListenerTests
{
    [Fact]
    public async Task A_web_application_serves_mqtt_through_kestrel_and_stops_gracefully()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Get();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddStarlingBroker();
        builder.WebHost.UseStarlingSockets();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenMqtt(new IPEndPoint(IPAddress.Loopback, port)));
        await using var app = builder.Build();
        await app.StartAsync(ct);

        await using var subscriber = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
        await subscriber.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "sub", KeepAlive = 60 }, ct);
        Assert.Equal(ReasonCode.Success, (await subscriber.ExpectAsync<ConnAckPacket>(cancellationToken: ct)).ReasonCode);
        await subscriber.SubscribeAsync("web/#", QualityOfService.AtLeastOnce, cancellationToken: ct);

        await using var publisher = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
        await publisher.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "pub", KeepAlive = 60 }, ct);
        await publisher.ExpectAsync<ConnAckPacket>(cancellationToken: ct);
        for (ushort i = 1; i <= 200; i++)
        {
            await publisher.SendAsync(new PublishPacket { Topic = "web/data", QoS = QualityOfService.AtLeastOnce, PacketId = i, Payload = BitConverter.GetBytes((int)i) }, ct);
        }

        for (var i = 1; i <= 200; i++)
        {
            Assert.Equal((ushort)i, (await publisher.ExpectAsync<AckPacket>(cancellationToken: ct)).PacketId);
            var message = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.Equal(i, BitConverter.ToInt32(message.Payload.Span));
            await subscriber.SendAsync(new AckPacket(PacketType.PubAck, message.PacketId, ReasonCode.Success), ct);
        }

        await app.StopAsync(ct);
        Assert.Equal(ReasonCode.ServerShuttingDown, (await subscriber.ExpectAsync<DisconnectPacket>(cancellationToken: ct)).ReasonCode);
        await subscriber.ExpectClosedAsync(cancellationToken: ct);
    }
}
