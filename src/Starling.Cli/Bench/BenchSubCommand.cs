using System.CommandLine;

namespace Starling.Cli.Bench;

/// <summary><c>starling bench sub</c>: subscribers only, decoding what <c>bench pub</c> sends.</summary>
internal static class BenchSubCommand
{
    public static Command Create()
    {
        var common = new BenchCommonOptions();
        var clients = new Option<int>("--clients", "-c") { Description = "Subscribing clients.", DefaultValueFactory = _ => 1 };
        var topic = new Option<string>("--topic", "-t") { Description = "Filter of each client: %i = client index, %c = client id.", DefaultValueFactory = _ => "bench/#" };
        var qos = new Option<int>("--qos", "-q") { Description = "QoS 0, 1 or 2.", DefaultValueFactory = _ => 0 };
        var shared = new Option<string?>("--shared") { Description = "Subscribe as members of this shared-subscription group ($share/GROUP/filter)." };
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds to receive, from the last SUBACK.", DefaultValueFactory = _ => 10 };
        var prefix = new Option<string?>("--id-prefix") { Description = "Client ids are PREFIX-INDEX (default bench-sub-PID)." };
        var start = new Option<int>("--start") { Description = "Index of the first client.", DefaultValueFactory = _ => 0 };
        var sub = new Command("sub", "Receive what bench pub sends and report the receive rate, latency, duplicates, reordering and gaps.")
        {
            clients, topic, qos, shared, duration, prefix, start,
        };
        common.AddTo(sub);
        sub.SetAction((result, cancellationToken) => BenchArguments.RunAsync(
            () =>
            {
                BenchArguments.Require(result.GetValue(clients) >= 1, "--clients must be at least 1");
                BenchArguments.Require(result.GetValue(start) >= 0, "--start must be 0 or more");
                var settings = new BenchSubSettings
                {
                    Target = common.Target(result),
                    Clients = result.GetValue(clients),
                    TopicPattern = BenchArguments.Topic(result.GetValue(topic), filter: true),
                    QoS = BenchArguments.QoS(result.GetValue(qos)),
                    SharedGroup = BenchArguments.SharedGroup(result.GetValue(shared)),
                    Duration = BenchArguments.Seconds("--duration", result.GetValue(duration)),
                    IdPrefix = result.GetValue(prefix) ?? $"bench-sub-{Environment.ProcessId}",
                    FirstIndex = result.GetValue(start),
                };
                return BenchSubRunner.RunAsync(settings, Console.Error.WriteLine, cancellationToken);
            },
            result.GetValue(common.Json),
            outcome => $"sub QoS {outcome.QoS}, {outcome.Clients} clients{(outcome.Shared is null ? "" : $" shared {outcome.Shared}")}: received {outcome.Received:N0} " +
                $"from {outcome.Publishers} publishers ({outcome.ReceivedPerSecond:N0} msg/s), p50 {outcome.P50Microseconds} us, p99 {outcome.P99Microseconds} us, p99.9 {outcome.P999Microseconds} us; " +
                $"lost (gaps) {outcome.LostGaps}, duplicates {outcome.Duplicates}, reordered {outcome.Reordered}, connection errors {outcome.ConnectionErrors}; bench CPU {outcome.BenchCpuPercent}%",
            outcome => (outcome.LostGaps > 0 && outcome.QoS > 0) || outcome.ConnectionErrors > 0));
        return sub;
    }
}
