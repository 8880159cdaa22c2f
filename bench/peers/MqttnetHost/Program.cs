// MQTTnet's MQTT server as a benchmark peer for bench/compare.sh:
//   MqttnetHost --port P
// Listens on 127.0.0.1:P only (no IPv6 listener), accepts every client (no authentication handler), keeps sessions
// in memory only (as Starling --in-memory and mosquitto with persistence false do), and lifts the per-client queue
// limit so a benchmark measures speed rather than MQTTnet's default cap of 1,000 pending messages with "drop oldest".
// MQTTnet has no in-flight window of its own to raise. Prints one line once it listens; stops cleanly on SIGTERM or
// Ctrl-C. Built like src/Starling.Cli (workstation concurrent GC, Release) so the two .NET brokers compare fairly.
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using MQTTnet.Server;

var port = 0;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value))
    {
        port = value;
        i++;
    }
    else
    {
        port = 0;
        break;
    }
}

if (port is <= 0 or > 65_535)
{
    Console.Error.WriteLine("usage: MqttnetHost --port PORT");
    return 2;
}

var options = new MqttServerFactory().CreateServerOptionsBuilder()
    .WithDefaultEndpoint()
    .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
    .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
    .WithDefaultEndpointPort(port)
    // Kestrel's default accept backlog, which Starling's listener uses (MQTTnet's default is 100).
    .WithConnectionBacklog(512)
    // Sessions of clean-session-0 clients are kept, in memory: MQTT's semantics, not disk persistence.
    .WithPersistentSessions()
    .WithMaxPendingMessagesPerClient(1_000_000)
    .Build();

var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stopRequested.TrySetResult();
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

using var server = new MqttServerFactory().CreateMqttServer(options);
await server.StartAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MQTTnet {typeof(MqttServer).Assembly.GetName().Version} listening on 127.0.0.1:{port}"));
await stopRequested.Task;
await server.StopAsync();
Console.WriteLine("MQTTnet stopped");
return 0;
