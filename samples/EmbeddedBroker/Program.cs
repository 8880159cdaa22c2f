// A .NET application that hosts the Starling broker in-process: it listens for MQTT on port 1883, accepts only
// clients that present the user name "device", logs connections, and publishes a heartbeat from code every 5 s.
// Run: dotnet run --project samples/EmbeddedBroker   then   mosquitto_sub -u device -t 'heartbeat' -v
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Starling.Broker;
using Starling.Broker.Security;
using Starling.Protocol;
using Starling.Server;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton<IAuthenticator, DeviceAuthenticator>();
builder.Services.AddStarlingBroker(options =>
{
    options.MaximumKeepAlive = 300;
    options.MaximumQueuedMessages = 1_000;
});
builder.Services.AddStarlingTcpListener(new IPEndPoint(IPAddress.Any, 1883));
builder.Services.AddHostedService<Heartbeat>();

using var host = builder.Build();
var broker = host.Services.GetRequiredService<MqttBroker>();
broker.ClientConnected += (_, e) => Console.WriteLine($"connected: {e.ClientId} ({e.ProtocolVersion}) from {e.RemoteEndPoint}");
broker.ClientDisconnected += (_, e) => Console.WriteLine($"disconnected: {e.ClientId}: {e.Reason}");
await host.RunAsync();

/// <summary>Accepts clients whose user name is "device".</summary>
internal sealed class DeviceAuthenticator : IAuthenticator
{
    public ValueTask<ReasonCode> AuthenticateAsync(ConnectionRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(request.Connect.UserName == "device" ? ReasonCode.Success : ReasonCode.NotAuthorized);
}

/// <summary>Publishes a retained heartbeat from code.</summary>
internal sealed class Heartbeat(MqttBroker broker) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var payload = Encoding.UTF8.GetBytes(DateTimeOffset.UtcNow.ToString("O"));
            broker.Publish("heartbeat", payload, QualityOfService.AtLeastOnce, retain: true);
        }
    }
}
