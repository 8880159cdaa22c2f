namespace Starling.Cli.Bench;

/// <summary>
/// <c>bench conn</c>: opens N connections as fast as K parallel attempts allow, holds them idle, and reports the connect
/// rate, failures and (given the broker's pid) the broker's memory per connection.
/// </summary>
internal static class BenchConnRunner
{
    /// <summary>How long the connections are held before the broker's memory is read: long enough for the broker to settle.</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    public static async Task<BenchConnResult> RunAsync(BenchConnSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        long? rssBefore = settings.BrokerPid is { } pid ? ProcessMemory.ResidentBytes(pid) : null;
        await using var pinger = new BenchPinger(settings.Target.KeepAlive);
        var clients = new IdleClients(settings.Target, settings.Connections, pinger);
        try
        {
            var cpu = CpuMeter.Start();
            var opening = clients.OpenAsync(settings.Concurrency, settings.IdPrefix, settings.FirstIndex, settings.Subscribe ? "bench/idle/%i" : null, cancellationToken);
            var last = 0;
            while (await Task.WhenAny(opening, Task.Delay(1000, cancellationToken)).ConfigureAwait(false) != opening) // ok-to-sleep: the progress period
            {
                var connected = clients.Connected;
                progress($"connected {connected:N0} (+{connected - last:N0}/s), failed {clients.Failed:N0}");
                last = connected;
            }

            await opening.ConfigureAwait(false);
            var cpuPercent = cpu.Percent();
            var connectSeconds = clients.ConnectSeconds;
            progress($"connected {clients.Connected:N0} in {connectSeconds:N2} s, failed {clients.Failed:N0}{(clients.FirstError is null ? "" : $" (first: {clients.FirstError})")}");

            var settle = settings.Hold < SettleTime ? settings.Hold : SettleTime;
            await BenchProgress.EverySecondAsync(settle, _ => progress($"holding {clients.Connected - clients.Dropped:N0} connections"), cancellationToken).ConfigureAwait(false);
            long? rssAfter = settings.BrokerPid is { } brokerPid ? ProcessMemory.ResidentBytes(brokerPid) : null;
            await BenchProgress.EverySecondAsync(settings.Hold - settle, _ => progress($"holding {clients.Connected - clients.Dropped:N0} connections"), cancellationToken).ConfigureAwait(false);

            return new BenchConnResult
            {
                Connections = clients.Connected,
                Failed = clients.Failed,
                Dropped = clients.Dropped,
                Subscribed = settings.Subscribe,
                ConnectSeconds = Math.Round(connectSeconds, 3),
                ConnectsPerSecond = connectSeconds > 0 ? Math.Round(clients.Connected / connectSeconds) : 0,
                HoldSeconds = settings.Hold.TotalSeconds,
                RssBytesBefore = rssBefore,
                RssBytesAfter = rssAfter,
                RssPerConnectionBytes = rssBefore is { } before && rssAfter is { } after && clients.Connected > 0 ? (after - before) / clients.Connected : null,
                BenchCpuPercent = cpuPercent,
            };
        }
        finally
        {
            await clients.DisposeAsync().ConfigureAwait(false);
        }
    }
}
