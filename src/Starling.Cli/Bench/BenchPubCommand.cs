using System.CommandLine;

namespace Starling.Cli.Bench;

/// <summary><c>starling bench pub</c>: publishers only, for a <c>bench sub</c> (or any subscriber) elsewhere.</summary>
internal static class BenchPubCommand
{
    public static Command Create()
    {
        var common = new BenchCommonOptions();
        var clients = new Option<int>("--clients", "-c") { Description = "Publishing clients.", DefaultValueFactory = _ => 1 };
        var topic = new Option<string>("--topic", "-t") { Description = "Topic of each client: %i = client index, %c = client id.", DefaultValueFactory = _ => "bench/%i" };
        var qos = new Option<int>("--qos", "-q") { Description = "QoS 0, 1 or 2.", DefaultValueFactory = _ => 0 };
        var payload = new Option<int>("--payload", "-s", "--size") { Description = "Payload bytes (at least 20).", DefaultValueFactory = _ => 64 };
        var rate = new Option<int>("--rate", "-r") { Description = "Messages per second per client; 0 = as fast as the QoS window (or, at QoS 0, the send buffer) allows.", DefaultValueFactory = _ => 0 };
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds to publish.", DefaultValueFactory = _ => 10 };
        var window = new Option<int>("--window", "-W") { Description = "Unacknowledged QoS 1/2 messages per client.", DefaultValueFactory = _ => 100 };
        var prefix = new Option<string?>("--id-prefix") { Description = "Client ids are PREFIX-INDEX (default bench-pub-PID)." };
        var start = new Option<int>("--start") { Description = "Index of the first client (and publisher index in its payloads).", DefaultValueFactory = _ => 0 };
        var pub = new Command("pub", "Publish numbered, timestamped messages from many clients and report the send rate.")
        {
            clients, topic, qos, payload, rate, duration, window, prefix, start,
        };
        common.AddTo(pub);
        pub.SetAction((result, cancellationToken) => BenchArguments.RunAsync(
            () =>
            {
                BenchArguments.Require(result.GetValue(clients) >= 1, "--clients must be at least 1");
                BenchArguments.Require(result.GetValue(rate) >= 0, "--rate must be 0 (maximum) or more");
                BenchArguments.Require(result.GetValue(start) >= 0, "--start must be 0 or more");
                var settings = new BenchPubSettings
                {
                    Target = common.Target(result),
                    Clients = result.GetValue(clients),
                    TopicPattern = BenchArguments.Topic(result.GetValue(topic), filter: false),
                    QoS = BenchArguments.QoS(result.GetValue(qos)),
                    PayloadSize = BenchArguments.Payload(result.GetValue(payload)),
                    Rate = result.GetValue(rate),
                    Duration = BenchArguments.Seconds("--duration", result.GetValue(duration)),
                    Window = Math.Clamp(result.GetValue(window), 1, 65_535),
                    IdPrefix = result.GetValue(prefix) ?? $"bench-pub-{Environment.ProcessId}",
                    FirstIndex = result.GetValue(start),
                };
                return BenchPubRunner.RunAsync(settings, Console.Error.WriteLine, cancellationToken);
            },
            result.GetValue(common.Json),
            outcome => $"pub QoS {outcome.QoS}, {outcome.Clients} clients: sent {outcome.Sent:N0} in {outcome.Seconds} s ({outcome.SentPerSecond:N0} msg/s), " +
                $"acknowledged {outcome.Acknowledged:N0}, unacknowledged {outcome.Unacknowledged:N0}, connection errors {outcome.ConnectionErrors}; bench CPU {outcome.BenchCpuPercent}%",
            outcome => (outcome.Unacknowledged > 0 && outcome.QoS > 0) || outcome.ConnectionErrors > 0));
        return pub;
    }
}
