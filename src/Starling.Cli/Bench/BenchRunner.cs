using System.Diagnostics;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary><c>bench run</c>: connects everyone, warms up, measures, stops, drains, and reports.</summary>
internal static class BenchRunner
{
    public static async Task<BenchResult> RunAsync(BenchSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        var pairs = settings.Scenario == "pairs";
        var subscriberCount = pairs ? settings.Publishers : settings.Subscribers;
        var receiversPerMessage = pairs || settings.SharedGroup is not null ? 1 : subscriberCount;
        var pattern = settings.TopicPattern ?? (pairs ? $"{settings.TopicPrefix}/%i" : $"{settings.TopicPrefix}/all");
        string PublisherId(int i) => $"bench-pub-{Environment.ProcessId}-{i}";
        string FilterOf(int i)
        {
            var filter = pairs ? TopicPattern.Expand(pattern, i, PublisherId(i)) : TopicPattern.AsWildcardFilter(pattern);
            return settings.SharedGroup is null ? filter : $"$share/{settings.SharedGroup}/{filter}";
        }

        var target = settings.Target;
        var publishers = new BenchPublisher[settings.Publishers];
        for (var i = 0; i < publishers.Length; i++)
        {
            var template = new BenchPublishTemplate(TopicPattern.Expand(pattern, i, PublisherId(i)), settings.QoS, settings.PayloadSize, target.Version);
            publishers[i] = new BenchPublisher(i, template, settings.Rate, settings.Window, (long)settings.EndToEndWindow * receiversPerMessage, receiversPerMessage);
        }

        var endToEnd = publishers.Select(p => p.EndToEnd).ToArray();
        var sharedTracker = settings.SharedGroup is null ? null : new SequenceTracker(startAtFirstSeen: false);
        var subscribers = new BenchSubscriber[subscriberCount];
        var subscriberConnections = new BenchConnection[subscriberCount];
        var publisherConnections = new BenchConnection[settings.Publishers];
        var reading = new List<Task>();
        await using var pinger = new BenchPinger(target.KeepAlive);
        IdleClients? idle = null;
        try
        {
            if (settings.Idle > 0)
            {
                idle = new IdleClients(target, settings.Idle, pinger);
                await idle.OpenAsync(100, $"bench-idle-{Environment.ProcessId}", 0, $"{settings.TopicPrefix}/idle/%i", cancellationToken).ConfigureAwait(false);
                if (idle.Failed > 0)
                {
                    throw new InvalidOperationException($"{idle.Failed} of {idle.Count} idle clients failed to connect; first: {idle.FirstError}");
                }

                progress($"{idle.Connected} idle clients connected in {idle.ConnectSeconds:N1} s");
            }

            for (var i = 0; i < subscriberCount; i++)
            {
                subscriberConnections[i] = await ConnectSubscriberAsync(settings, i, FilterOf(i), cancellationToken).ConfigureAwait(false);
                subscribers[i] = new BenchSubscriber(sharedTracker ?? new SequenceTracker(startAtFirstSeen: false), endToEnd);
                reading.Add(subscriberConnections[i].ReadLoopAsync(subscribers[i]));
                pinger.Add(subscriberConnections[i]);
            }

            for (var i = 0; i < publishers.Length; i++)
            {
                publisherConnections[i] = await target.ConnectAsync(PublisherId(i), BenchConnection.LoadBufferSize, cancellationToken).ConfigureAwait(false);
                reading.Add(publisherConnections[i].ReadLoopAsync(publishers[i]));
                pinger.Add(publisherConnections[i]);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var publishing = publishers.Select((p, i) => p.RunAsync(publisherConnections[i], stop.Token)).ToArray();

            await ReportWhileAsync(settings.Warmup, publishers, subscribers, progress, cancellationToken).ConfigureAwait(false);
            foreach (var subscriber in subscribers)
            {
                subscriber.Measuring = true;
            }

            var sentBefore = publishers.Sum(p => p.Sent);
            var receivedBefore = subscribers.Sum(s => s.Received);
            var measuredAt = Stopwatch.GetTimestamp();
            var cpu = CpuMeter.Start();
            await ReportWhileAsync(settings.Duration, publishers, subscribers, progress, cancellationToken).ConfigureAwait(false);
            var seconds = Stopwatch.GetElapsedTime(measuredAt).TotalSeconds;
            var sentAfter = publishers.Sum(p => p.Sent);
            var receivedAfter = subscribers.Sum(s => s.Received);
            var cpuPercent = cpu.Percent();
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

            var latencies = new LatencyHistogram();
            foreach (var subscriber in subscribers)
            {
                latencies.Add(subscriber.Latencies);
            }

            var trackers = subscribers.Select(s => s.Tracker).Distinct().ToArray();
            long lost = 0;
            for (var i = 0; i < publishers.Length; i++)
            {
                var distinct = trackers.Sum(t => t.Distinct(i));
                lost += Math.Max(0, (publishers[i].Sent * receiversPerMessage) - distinct);
            }

            var errors = ConnectionErrors(publishers, publisherConnections, subscriberConnections, idle);
            foreach (var error in errors.Take(3))
            {
                progress($"connection error: {error}");
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
                P50Microseconds = latencies.PercentileMicroseconds(0.50),
                P99Microseconds = latencies.PercentileMicroseconds(0.99),
                P999Microseconds = latencies.PercentileMicroseconds(0.999),
                Sent = publishers.Sum(p => p.Sent),
                Received = subscribers.Sum(s => s.Received),
                Lost = lost,
                Duplicates = trackers.Sum(t => t.Duplicates),
                Reordered = trackers.Sum(t => t.Reordered),
                BenchCpuPercent = cpuPercent,
                Shared = settings.SharedGroup,
                Idle = idle?.Connected ?? 0,
                ConnectionErrors = errors.Count,
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

            await Task.WhenAll(reading).ConfigureAwait(false);
            if (idle is not null)
            {
                await idle.DisposeAsync().ConfigureAwait(false);
            }

            if (settings.Persistent)
            {
                await ForgetSessionsAsync(settings, 0, subscriberCount).ConfigureAwait(false);
            }
        }
    }

    private static List<string> ConnectionErrors(BenchPublisher[] publishers, BenchConnection[] publisherConnections, BenchConnection[] subscriberConnections, IdleClients? idle)
    {
        var errors = new List<string>();
        foreach (var connection in publisherConnections.Concat(subscriberConnections))
        {
            if (connection.DropReason is { } reason)
            {
                errors.Add($"{connection.ClientId}: {reason}");
            }
        }

        errors.AddRange(publishers.Where(p => p.Error is not null && publisherConnections[p.Index].DropReason is null).Select(p => $"{publisherConnections[p.Index].ClientId}: {p.Error}"));
        if (idle is { Dropped: > 0 })
        {
            errors.Add($"{idle.Dropped} idle clients dropped; first: {idle.FirstDropReason}");
        }

        return errors;
    }

    private static string SubscriberId(int i) => $"bench-sub-{i}";

    private static async Task<BenchConnection> ConnectSubscriberAsync(BenchSettings settings, int i, string filter, CancellationToken cancellationToken)
    {
        if (settings.Persistent)
        {
            // Start from an empty session: a clean connect first, then the persistent one.
            await ForgetSessionsAsync(settings, i, i + 1).ConfigureAwait(false);
        }

        var target = settings.Target;
        var connection = await target.ConnectAsync(new ConnectPacket
        {
            ProtocolVersion = target.Version,
            ClientId = settings.Persistent ? SubscriberId(i) : $"bench-sub-{Environment.ProcessId}-{i}",
            CleanSession = !settings.Persistent,
            SessionExpiryInterval = settings.Persistent && target.Version == ProtocolVersion.V500 ? 300u : null,
            KeepAlive = target.KeepAlive,
        }, BenchConnection.LoadBufferSize, cancellationToken).ConfigureAwait(false);
        await connection.SubscribeAsync(filter, settings.QoS, cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static async Task ForgetSessionsAsync(BenchSettings settings, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var connection = await settings.Target.ConnectAsync(SubscriberId(i), BenchConnection.IdleBufferSize, CancellationToken.None).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task ReportWhileAsync(TimeSpan period, BenchPublisher[] publishers, BenchSubscriber[] subscribers, Action<string> progress, CancellationToken cancellationToken)
    {
        var sent = publishers.Sum(p => p.Sent);
        var received = subscribers.Sum(s => s.Received);
        await BenchProgress.EverySecondAsync(period, seconds =>
        {
            var nowSent = publishers.Sum(p => p.Sent);
            var nowReceived = subscribers.Sum(s => s.Received);
            progress($"sent {(nowSent - sent) / seconds:N0}/s  received {(nowReceived - received) / seconds:N0}/s");
            sent = nowSent;
            received = nowReceived;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WaitForQuietAsync(BenchSubscriber[] subscribers, BenchPublisher[] publishers, int receiversPerMessage)
    {
        var expected = publishers.Sum(p => p.Sent) * receiversPerMessage;
        var last = -1L;
        var quietSince = Stopwatch.GetTimestamp();
        var deadline = Stopwatch.GetTimestamp() + (15 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var received = subscribers.Sum(s => s.Received);
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

            await Task.Delay(20).ConfigureAwait(false); // ok-to-sleep: polling the receipt count, bounded by the deadline and the quiet period
        }
    }
}
