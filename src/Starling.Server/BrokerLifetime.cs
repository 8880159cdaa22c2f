using Microsoft.Extensions.Hosting;
using Starling.Broker;

namespace Starling.Server;

/// <summary>Stops the broker gracefully when the host stops: DISCONNECT 0x8B to MQTT 5 clients, then close.</summary>
internal sealed class BrokerLifetime : IHostedService
{
    private readonly MqttBroker _broker;

    public BrokerLifetime(MqttBroker broker)
    {
        _broker = broker;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => _broker.StopAsync(cancellationToken);
}
