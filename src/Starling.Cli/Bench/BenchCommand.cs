using System.CommandLine;
using System.Net;
using System.Text.Json;
using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>
/// <c>starling bench run</c>: a load scenario against any MQTT broker, reporting throughput, end-to-end latency,
/// loss, duplicates, reordering and its own CPU use (so a saturated generator is visible).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Broker address.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Broker port.", DefaultValueFactory = _ => 1883 };
        var scenario = new Option<string>("--scenario", "-s") { Description = "pairs (publisher i -> subscriber i) or fanin (all publishers -> all subscribers, one topic).", DefaultValueFactory = _ => "pairs" };
        scenario.AcceptOnlyFromAmong("pairs", "fanin");
        var publishers = new Option<int>("--publishers", "-P") { Description = "Publishers.", DefaultValueFactory = _ => 10 };
        var subscribers = new Option<int>("--subscribers", "-S") { Description = "Subscribers (fanin; pairs has one per publisher).", DefaultValueFactory = _ => 1 };
        var qos = new Option<int>("--qos", "-q") { Description = "QoS 0, 1 or 2.", DefaultValueFactory = _ => 0 };
        var payload = new Option<int>("--payload", "-b") { Description = "Payload bytes (at least 20).", DefaultValueFactory = _ => 64 };
        var rate = new Option<int>("--rate", "-r") { Description = "Messages per second per publisher; 0 = as fast as possible.", DefaultValueFactory = _ => 0 };
        var duration = new Option<double>("--duration", "-d") { Description = "Measured seconds.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup", "-w") { Description = "Seconds of load before measuring.", DefaultValueFactory = _ => 2 };
        var window = new Option<int>("--window", "-W") { Description = "Unacknowledged QoS 1/2 messages per publisher.", DefaultValueFactory = _ => 100 };
        var e2e = new Option<int>("--e2e-window") { Description = "Messages per publisher sent but not yet received (maximum rate only).", DefaultValueFactory = _ => 1000 };
        var persistent = new Option<bool>("--persistent") { Description = "Subscribers keep persistent sessions (clean session 0)." };
        var version = new Option<int>("--mqtt", "-V") { Description = "MQTT version: 4 (3.1.1) or 5.", DefaultValueFactory = _ => 4 };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON line." };
        var run = new Command("run", "Run a load scenario and report throughput, latency, loss and duplicates.")
        {
            host, port, scenario, publishers, subscribers, qos, payload, rate, duration, warmup, window, e2e, persistent, version, json,
        };
        run.SetAction(async (result, cancellationToken) =>
        {
            if (!IPAddress.TryParse(result.GetValue(host), out var address) || result.GetValue(qos) is < 0 or > 2 || result.GetValue(payload) < 20
                || result.GetValue(version) is not (4 or 5) || result.GetValue(publishers) < 1 || result.GetValue(subscribers) < 1)
            {
                await Console.Error.WriteLineAsync("starling bench: --host must be an IP address, --qos 0-2, --payload >= 20, --mqtt 4 or 5, at least one publisher and subscriber").ConfigureAwait(false);
                return 2;
            }

            var settings = new BenchSettings
            {
                EndPoint = new IPEndPoint(address, result.GetValue(port)),
                Scenario = result.GetValue(scenario)!,
                Publishers = result.GetValue(publishers),
                Subscribers = result.GetValue(subscribers),
                QoS = (QualityOfService)result.GetValue(qos),
                PayloadSize = result.GetValue(payload),
                Rate = result.GetValue(rate),
                Duration = TimeSpan.FromSeconds(result.GetValue(duration)),
                Warmup = TimeSpan.FromSeconds(result.GetValue(warmup)),
                Window = Math.Clamp(result.GetValue(window), 1, 65_535),
                EndToEndWindow = Math.Max(1, result.GetValue(e2e)),
                Persistent = result.GetValue(persistent),
                Version = result.GetValue(version) == 5 ? ProtocolVersion.V500 : ProtocolVersion.V311,
            };
            try
            {
                var outcome = await BenchRunner.RunAsync(settings, line => Console.Error.WriteLine(line), cancellationToken).ConfigureAwait(false);
                Console.WriteLine(result.GetValue(json)
                    ? JsonSerializer.Serialize(outcome)
                    : $"{outcome.Scenario} QoS {outcome.QoS}, {outcome.Publishers} -> {outcome.Subscribers}{(outcome.Persistent ? " persistent" : "")}: " +
                      $"received {outcome.ReceivedPerSecond:N0} msg/s, p50 {outcome.P50Microseconds} us, p99 {outcome.P99Microseconds} us, p99.9 {outcome.P999Microseconds} us; " +
                      $"lost {outcome.Lost}, duplicates {outcome.Duplicates}, reordered {outcome.Reordered}; bench CPU {outcome.BenchCpuPercent}%");
                return outcome.Lost > 0 && settings.QoS != QualityOfService.AtMostOnce ? 1 : 0;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidOperationException or InvalidDataException)
            {
                await Console.Error.WriteLineAsync($"starling bench: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return new Command("bench", "Load-test an MQTT broker.") { run };
    }
}
