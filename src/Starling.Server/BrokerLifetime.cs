using Microsoft.Extensions.Hosting;
using Starling.Broker;

namespace Starling.Server;

/// <summary>
/// Stops the broker gracefully when the host stops: DISCONNECT 0x8B to MQTT 5 clients, then close. It runs in the
/// "stopping" phase, before any hosted service (Kestrel included) stops, so clients are told before sockets go.
/// </summary>
internal sealed class BrokerLifetime : IHostedLifecycleService
{
    private readonly MqttBroker _broker;

    public BrokerLifetime(MqttBroker broker)
    {
        _broker = broker;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => _broker.StopAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
