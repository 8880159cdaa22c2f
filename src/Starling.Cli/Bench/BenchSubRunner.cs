using System.Diagnostics;

namespace Starling.Cli.Bench;

/// <summary>
/// <c>bench sub</c>: N subscribers (optionally one shared-subscription group) that decode what <c>bench pub</c> sends
/// and report the receive rate, latency (same machine clock), duplicates, reordering and gaps per publisher.
/// </summary>
internal static class BenchSubRunner
{
    public static async Task<BenchSubResult> RunAsync(BenchSubSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        var target = settings.Target;
        var sharedTracker = settings.SharedGroup is null ? null : new SequenceTracker(startAtFirstSeen: true);
        var subscribers = new BenchSubscriber[settings.Clients];
        await using var pinger = new BenchPinger(target.KeepAlive);
        var connections = await BenchClients.OpenAllAsync(settings.Clients, async (slot, token) =>
        {
            var index = settings.FirstIndex + slot;
            var clientId = $"{settings.IdPrefix}-{index}";
            var filter = TopicPattern.Expand(settings.TopicPattern, index, clientId);
            var connection = await target.ConnectAsync(clientId, BenchConnection.LoadBufferSize, token).ConfigureAwait(false);
            try
            {
                await connection.SubscribeAsync(settings.SharedGroup is null ? filter : $"$share/{settings.SharedGroup}/{filter}", settings.QoS, token).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            subscribers[slot] = new BenchSubscriber(sharedTracker ?? new SequenceTracker(startAtFirstSeen: true), []) { Measuring = true };
            return connection;
        }, cancellationToken).ConfigureAwait(false);
        var reading = new Task[connections.Length];
        try
        {
            for (var i = 0; i < connections.Length; i++)
            {
                reading[i] = connections[i].ReadLoopAsync(subscribers[i]);
                pinger.Add(connections[i]);
            }

            progress($"{connections.Length} subscribers subscribed");
            var cpu = CpuMeter.Start();
            var started = Stopwatch.GetTimestamp();
            var received = 0L;
            var before = Merge(subscribers);
            await BenchProgress.EverySecondAsync(settings.Duration, seconds =>
            {
                var now = subscribers.Sum(s => s.Received);
                var latencies = Merge(subscribers);
                progress($"received {(now - received) / seconds:N0}/s  p99 {latencies.Since(before).PercentileMicroseconds(0.99):N0} us");
                received = now;
                before = latencies;
            }, cancellationToken).ConfigureAwait(false);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var cpuPercent = cpu.Percent();
            foreach (var subscriber in subscribers)
            {
                subscriber.Measuring = false;
            }

            var total = subscribers.Sum(s => s.Received);
            var all = Merge(subscribers);
            var trackers = subscribers.Select(s => s.Tracker).Distinct().ToArray();
            var errors = connections.Where(c => c.DropReason is not null).Select(c => $"{c.ClientId}: {c.DropReason}").ToList();
            foreach (var error in errors.Take(3))
            {
                progress($"connection error: {error}");
            }

            return new BenchSubResult
            {
                Clients = settings.Clients,
                QoS = (int)settings.QoS,
                Shared = settings.SharedGroup,
                Seconds = Math.Round(seconds, 2),
                Received = total,
                ReceivedPerSecond = Math.Round(total / seconds),
                Publishers = trackers.SelectMany(t => t.Publishers()).Distinct().Count(),
                P50Microseconds = all.PercentileMicroseconds(0.50),
                P99Microseconds = all.PercentileMicroseconds(0.99),
                P999Microseconds = all.PercentileMicroseconds(0.999),
                Duplicates = trackers.Sum(t => t.Duplicates),
                Reordered = trackers.Sum(t => t.Reordered),
                LostGaps = trackers.Sum(t => t.Gaps()),
                Foreign = trackers.Sum(t => t.Foreign),
                ConnectionErrors = errors.Count,
                BenchCpuPercent = cpuPercent,
            };
        }
        finally
        {
            await BenchClients.CloseAllAsync(connections).ConfigureAwait(false);
            await Task.WhenAll(reading.Where(t => t is not null)).ConfigureAwait(false);
        }
    }

    private static LatencyHistogram Merge(BenchSubscriber[] subscribers)
    {
        var merged = new LatencyHistogram();
        foreach (var subscriber in subscribers)
        {
            merged.Add(subscriber.Latencies);
        }

        return merged;
    }
}
