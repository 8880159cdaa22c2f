using System.CommandLine;

namespace Starling.Cli.Bench;

/// <summary><c>starling bench run</c>: publishers and subscribers in one process, so loss is known exactly.</summary>
internal static class BenchRunCommand
{
    public static Command Create()
    {
        var common = new BenchCommonOptions();
        var scenario = new Option<string>("--scenario", "-s")
        {
            Description = "pairs (publisher i -> subscriber i), fanin (all publishers -> all subscribers, one topic) or fanout (as fanin, one publisher by default).",
            DefaultValueFactory = _ => "pairs",
        };
        scenario.AcceptOnlyFromAmong("pairs", "fanin", "fanout");
        var publishers = new Option<int>("--publishers", "-P") { Description = "Publishers (default 10; 1 for fanout).", DefaultValueFactory = _ => 10 };
        var subscribers = new Option<int>("--subscribers", "-S") { Description = "Subscribers (fanin, fanout; pairs has one per publisher).", DefaultValueFactory = _ => 1 };
        var qos = new Option<int>("--qos", "-q") { Description = "QoS 0, 1 or 2.", DefaultValueFactory = _ => 0 };
        var payload = new Option<int>("--payload", "-b") { Description = "Payload bytes (at least 20).", DefaultValueFactory = _ => 64 };
        var rate = new Option<int>("--rate", "-r") { Description = "Messages per second per publisher; 0 = as fast as the windows allow.", DefaultValueFactory = _ => 0 };
        var duration = new Option<double>("--duration", "-d") { Description = "Measured seconds.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup", "-w") { Description = "Seconds of load before measuring.", DefaultValueFactory = _ => 2 };
        var window = new Option<int>("--window", "-W") { Description = "Unacknowledged QoS 1/2 messages per publisher.", DefaultValueFactory = _ => 100 };
        var e2e = new Option<int>("--e2e-window") { Description = "Messages per publisher and receiver sent but not yet received (maximum rate only).", DefaultValueFactory = _ => 1000 };
        var persistent = new Option<bool>("--persistent") { Description = "Subscribers keep persistent sessions (clean session 0)." };
        var shared = new Option<string?>("--shared") { Description = "Subscribers join this shared-subscription group ($share/GROUP/filter): each message reaches one of them." };
        var idle = new Option<int>("--idle") { Description = "Idle clients connected before the load (each subscribed to bench/PID/idle/%i) and held during it.", DefaultValueFactory = _ => 0 };
        var topic = new Option<string?>("--topic", "-t") { Description = "Publisher topic, %i = publisher index (default bench/PID/%i for pairs, bench/PID/all otherwise; fanin/fanout subscribe with + for %i)." };
        var run = new Command("run", "Run a load scenario and report throughput, latency, loss and duplicates.")
        {
            scenario, publishers, subscribers, qos, payload, rate, duration, warmup, window, e2e, persistent, shared, idle, topic,
        };
        common.AddTo(run);
        run.SetAction((result, cancellationToken) => BenchArguments.RunAsync(
            () =>
            {
                var name = result.GetValue(scenario)!;
                var pattern = result.GetValue(topic);
                var publisherCount = name == "fanout" && result.GetResult(publishers) is null or { Implicit: true } ? 1 : result.GetValue(publishers);
                BenchArguments.Require(publisherCount >= 1 && result.GetValue(subscribers) >= 1, "--publishers and --subscribers must be at least 1");
                BenchArguments.Require(result.GetValue(rate) >= 0, "--rate must be 0 (maximum) or more");
                BenchArguments.Require(result.GetValue(idle) >= 0, "--idle must be 0 or more");
                BenchArguments.Require(pattern is null || name != "pairs" || pattern.Contains("%i", StringComparison.Ordinal), "--topic of pairs needs %i (one topic per pair)");
                var settings = new BenchSettings
                {
                    Target = common.Target(result),
                    Scenario = name,
                    Publishers = publisherCount,
                    Subscribers = result.GetValue(subscribers),
                    QoS = BenchArguments.QoS(result.GetValue(qos)),
                    PayloadSize = BenchArguments.Payload(result.GetValue(payload)),
                    Rate = result.GetValue(rate),
                    Duration = BenchArguments.Seconds("--duration", result.GetValue(duration)),
                    Warmup = BenchArguments.Seconds("--warmup", result.GetValue(warmup), allowZero: true),
                    Window = Math.Clamp(result.GetValue(window), 1, 65_535),
                    EndToEndWindow = Math.Max(1, result.GetValue(e2e)),
                    Persistent = result.GetValue(persistent),
                    SharedGroup = BenchArguments.SharedGroup(result.GetValue(shared)),
                    Idle = result.GetValue(idle),
                    TopicPattern = pattern is null ? null : BenchArguments.Topic(pattern, filter: false),
                };
                return BenchRunner.RunAsync(settings, Console.Error.WriteLine, cancellationToken);
            },
            result.GetValue(common.Json),
            outcome => $"{outcome.Scenario} QoS {outcome.QoS}, {outcome.Publishers} -> {outcome.Subscribers}{(outcome.Persistent ? " persistent" : "")}" +
                $"{(outcome.Shared is null ? "" : $" shared {outcome.Shared}")}{(outcome.Idle > 0 ? $", {outcome.Idle} idle" : "")}: " +
                $"received {outcome.ReceivedPerSecond:N0} msg/s, p50 {outcome.P50Microseconds} us, p99 {outcome.P99Microseconds} us, p99.9 {outcome.P999Microseconds} us; " +
                $"lost {outcome.Lost}, duplicates {outcome.Duplicates}, reordered {outcome.Reordered}, connection errors {outcome.ConnectionErrors}; bench CPU {outcome.BenchCpuPercent}%",
            outcome => (outcome.Lost > 0 && outcome.QoS > 0) || outcome.ConnectionErrors > 0));
        return run;
    }
}
