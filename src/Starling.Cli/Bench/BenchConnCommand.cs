using System.CommandLine;

namespace Starling.Cli.Bench;

/// <summary><c>starling bench conn</c>: many idle connections; connect rate and the broker's memory per connection.</summary>
internal static class BenchConnCommand
{
    public static Command Create()
    {
        var common = new BenchCommonOptions();
        var count = new Option<int>("--clients", "-c") { Description = "Connections to open.", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Connection attempts in flight at once.", DefaultValueFactory = _ => 100 };
        var hold = new Option<double>("--hold") { Description = "Seconds to hold the connections open, idle, once all are connected.", DefaultValueFactory = _ => 5 };
        var subscribe = new Option<bool>("--subscribe") { Description = "Each connection subscribes to its own topic, bench/idle/%i." };
        var brokerPid = new Option<int?>("--broker-pid") { Description = "Read this process's VmRSS before connecting and with all connected, and report bytes per connection." };
        var prefix = new Option<string?>("--id-prefix") { Description = "Client ids are PREFIX-INDEX (default bench-conn-PID)." };
        var start = new Option<int>("--start") { Description = "Index of the first client.", DefaultValueFactory = _ => 0 };
        var conn = new Command("conn", "Open many idle connections; report connects/s, failures and the broker's memory per connection. Raise the fd limit first: ulimit -n $(ulimit -Hn).")
        {
            count, concurrency, hold, subscribe, brokerPid, prefix, start,
        };
        common.AddTo(conn);
        conn.SetAction((result, cancellationToken) => BenchArguments.RunAsync(
            () =>
            {
                BenchArguments.Require(result.GetValue(count) >= 1, "--clients must be at least 1");
                BenchArguments.Require(result.GetValue(concurrency) >= 1, "--concurrency must be at least 1");
                BenchArguments.Require(result.GetValue(brokerPid) is null or > 0, "--broker-pid must be a process id");
                BenchArguments.Require(result.GetValue(start) >= 0, "--start must be 0 or more");
                var settings = new BenchConnSettings
                {
                    Target = common.Target(result),
                    Connections = result.GetValue(count),
                    Concurrency = result.GetValue(concurrency),
                    Hold = BenchArguments.Seconds("--hold", result.GetValue(hold), allowZero: true),
                    Subscribe = result.GetValue(subscribe),
                    BrokerPid = result.GetValue(brokerPid),
                    IdPrefix = result.GetValue(prefix) ?? $"bench-conn-{Environment.ProcessId}",
                    FirstIndex = result.GetValue(start),
                };
                return BenchConnRunner.RunAsync(settings, Console.Error.WriteLine, cancellationToken);
            },
            result.GetValue(common.Json),
            outcome => $"conn: {outcome.Connections:N0} connected{(outcome.Subscribed ? " and subscribed" : "")} in {outcome.ConnectSeconds} s ({outcome.ConnectsPerSecond:N0}/s), " +
                $"failed {outcome.Failed}, dropped while held {outcome.Dropped}" +
                (outcome.RssPerConnectionBytes is { } perConnection ? $"; broker RSS {outcome.RssBytesBefore / 1024:N0} KB -> {outcome.RssBytesAfter / 1024:N0} KB, {perConnection:N0} bytes per connection" : "") +
                $"; bench CPU {outcome.BenchCpuPercent}%",
            outcome => outcome.Failed > 0 || outcome.Dropped > 0));
        return conn;
    }
}
