using System.Diagnostics;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>Runs one scenario: connects everyone, warms up, measures, stops, drains, and reports.</summary>
internal static class BenchRunner
{
    public static async Task<BenchResult> RunAsync(BenchSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        var pairs = settings.Scenario == "pairs";
        var subscriberCount = pairs ? settings.Publishers : settings.Subscribers;
        var receiversPerMessage = pairs ? 1 : subscriberCount;
        string TopicOf(int i) => pairs ? $"{settings.TopicPrefix}/{i}" : $"{settings.TopicPrefix}/all";

        var publishers = new BenchPublisher[settings.Publishers];
        for (var i = 0; i < publishers.Length; i++)
        {
            publishers[i] = new BenchPublisher(settings, i, TopicOf(i), receiversPerMessage);
        }

        var subscribers = new BenchSubscriber[subscriberCount];
        var subscriberConnections = new BenchConnection[subscriberCount];
        var publisherConnections = new BenchConnection[settings.Publishers];
        var tasks = new List<Task>();
        try
        {
            for (var i = 0; i < subscriberCount; i++)
            {
                subscriberConnections[i] = await ConnectSubscriberAsync(settings, i, TopicOf(i), cancellationToken).ConfigureAwait(false);
                subscribers[i] = new BenchSubscriber(publishers);
                tasks.Add(subscribers[i].RunAsync(subscriberConnections[i]));
            }

            for (var i = 0; i < publishers.Length; i++)
            {
                publisherConnections[i] = await BenchConnection.OpenAsync(settings.EndPoint,
                    new ConnectPacket { ProtocolVersion = settings.Version, ClientId = $"bench-pub-{Environment.ProcessId}-{i}", KeepAlive = 60 }, cancellationToken).ConfigureAwait(false);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
            var publishing = publishers.Select((p, i) => p.RunAsync(publisherConnections[i], receiversPerMessage, stop.Token)).ToArray();

            await ReportWhileAsync(settings.Warmup, publishers, subscribers, progress, cancellationToken).ConfigureAwait(false);
            foreach (var subscriber in subscribers)
            {
                subscriber.Measuring = true;
            }

            var sentBefore = publishers.Sum(p => Interlocked.Read(ref p.Sent));
            var receivedBefore = subscribers.Sum(s => Interlocked.Read(ref s.Received));
            var measuredAt = Stopwatch.GetTimestamp();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            await ReportWhileAsync(settings.Duration, publishers, subscribers, progress, cancellationToken).ConfigureAwait(false);
            var seconds = Stopwatch.GetElapsedTime(measuredAt).TotalSeconds;
            var sentAfter = publishers.Sum(p => Interlocked.Read(ref p.Sent));
            var receivedAfter = subscribers.Sum(s => Interlocked.Read(ref s.Received));
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / seconds * 100;
            foreach (var subscriber in subscribers)
            {
                subscriber.Measuring = false;
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(publishing).ConfigureAwait(false);
            foreach (var publisher in publishers)
            {
                await publisher.DrainAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            }

            // Every copy that will arrive has arrived when the totals stop moving.
            await WaitForQuietAsync(subscribers, publishers, receiversPerMessage).ConfigureAwait(false);
            _ = cpuAtStart;

            var latencies = subscribers.SelectMany(s => s.Latencies).ToArray();
            Array.Sort(latencies);
            long lost = 0;
            for (var i = 0; i < publishers.Length; i++)
            {
                var expected = publishers[i].Sent * receiversPerMessage;
                var distinct = pairs ? subscribers[i].Distinct(i) : subscribers.Sum(s => s.Distinct(i));
                lost += Math.Max(0, expected - distinct);
            }

            return new BenchResult
            {
                Scenario = settings.Scenario,
                QoS = (int)settings.QoS,
                Publishers = settings.Publishers,
                Subscribers = subscriberCount,
                Persistent = settings.Persistent,
                Payload = settings.PayloadSize,
                Seconds = Math.Round(seconds, 2),
                SentPerSecond = Math.Round((sentAfter - sentBefore) / seconds),
                ReceivedPerSecond = Math.Round((receivedAfter - receivedBefore) / seconds),
                P50Microseconds = Percentile(latencies, 0.50),
                P99Microseconds = Percentile(latencies, 0.99),
                P999Microseconds = Percentile(latencies, 0.999),
                Sent = publishers.Sum(p => p.Sent),
                Received = subscribers.Sum(s => s.Received),
                Lost = lost,
                Duplicates = subscribers.Sum(s => s.Duplicates),
                Reordered = subscribers.Sum(s => s.Reordered),
                BenchCpuPercent = Math.Round(cpu),
            };
        }
        finally
        {
            foreach (var connection in publisherConnections.Concat(subscriberConnections))
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (settings.Persistent)
            {
                await ForgetSessionsAsync(settings, subscriberCount).ConfigureAwait(false);
            }

            foreach (var publisher in publishers)
            {
                publisher.Dispose();
            }
        }
    }

    private static string SubscriberId(int i) => $"bench-sub-{i}";

    private static async Task<BenchConnection> ConnectSubscriberAsync(BenchSettings settings, int i, string topic, CancellationToken cancellationToken)
    {
        if (settings.Persistent)
        {
            // Start from an empty session: a clean connect first, then the persistent one.
            await ForgetSessionsAsync(settings, i, i + 1).ConfigureAwait(false);
        }

        var connection = await BenchConnection.OpenAsync(settings.EndPoint, new ConnectPacket
        {
            ProtocolVersion = settings.Version,
            ClientId = settings.Persistent ? SubscriberId(i) : $"bench-sub-{Environment.ProcessId}-{i}",
            CleanSession = !settings.Persistent,
            SessionExpiryInterval = settings.Persistent && settings.Version == ProtocolVersion.V500 ? 300u : null,
            KeepAlive = 60,
        }, cancellationToken).ConfigureAwait(false);
        await connection.SendAsync(new SubscribePacket { PacketId = 1, Subscriptions = [new TopicSubscription(topic, settings.QoS)] }, cancellationToken).ConfigureAwait(false);
        await connection.ReceiveAsync<SubAckPacket>(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static async Task ForgetSessionsAsync(BenchSettings settings, int count) => await ForgetSessionsAsync(settings, 0, count).ConfigureAwait(false);

    private static async Task ForgetSessionsAsync(BenchSettings settings, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var connection = await BenchConnection.OpenAsync(settings.EndPoint,
                new ConnectPacket { ProtocolVersion = settings.Version, ClientId = SubscriberId(i), CleanSession = true, KeepAlive = 60 }, CancellationToken.None).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task ReportWhileAsync(TimeSpan period, BenchPublisher[] publishers, BenchSubscriber[] subscribers, Action<string> progress, CancellationToken cancellationToken)
    {
        var end = Stopwatch.GetTimestamp() + (long)(period.TotalSeconds * Stopwatch.Frequency);
        var sent = publishers.Sum(p => Interlocked.Read(ref p.Sent));
        var received = subscribers.Sum(s => Interlocked.Read(ref s.Received));
        while (Stopwatch.GetTimestamp() < end)
        {
            var wait = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, (end - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var nowSent = publishers.Sum(p => Interlocked.Read(ref p.Sent));
            var nowReceived = subscribers.Sum(s => Interlocked.Read(ref s.Received));
            progress($"sent {(nowSent - sent) / wait.TotalSeconds:N0}/s  received {(nowReceived - received) / wait.TotalSeconds:N0}/s");
            sent = nowSent;
            received = nowReceived;
        }
    }

    private static async Task WaitForQuietAsync(BenchSubscriber[] subscribers, BenchPublisher[] publishers, int receiversPerMessage)
    {
        var expected = publishers.Sum(p => p.Sent) * receiversPerMessage;
        var last = -1L;
        var quietSince = Stopwatch.GetTimestamp();
        var deadline = Stopwatch.GetTimestamp() + (15 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var received = subscribers.Sum(s => Interlocked.Read(ref s.Received));
            if (received >= expected)
            {
                return;
            }

            if (received != last)
            {
                last = received;
                quietSince = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(quietSince) > TimeSpan.FromSeconds(2))
            {
                return;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private static double Percentile(long[] sortedTicks, double fraction)
    {
        if (sortedTicks.Length == 0)
        {
            return 0;
        }

        var ticks = sortedTicks[Math.Min(sortedTicks.Length - 1, (int)(fraction * sortedTicks.Length))];
        return Math.Round(ticks * 1_000_000.0 / Stopwatch.Frequency, 1);
    }
}
