using System.Diagnostics;
using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>
/// <c>bench pub</c>: N publishers, each on its own topic pattern, at a fixed rate or as fast as the QoS window (QoS 1/2)
/// or the socket's send buffer (QoS 0: each batch's flush waits for the kernel to take it) allow.
/// </summary>
internal static class BenchPubRunner
{
    private const int BufferSize = 16384;

    public static async Task<BenchPubResult> RunAsync(BenchPubSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        var target = settings.Target;
        var publishers = new BenchPublisher[settings.Clients];
        await using var pinger = new BenchPinger(target.KeepAlive);
        var connections = await BenchClients.OpenAllAsync(settings.Clients, async (slot, token) =>
        {
            var index = settings.FirstIndex + slot;
            var clientId = $"{settings.IdPrefix}-{index}";
            var template = new BenchPublishTemplate(TopicPattern.Expand(settings.TopicPattern, index, clientId), settings.QoS, settings.PayloadSize, target.Version);
            publishers[slot] = new BenchPublisher(index, template, settings.Rate, settings.Window, endToEndWindow: 0);
            return await target.ConnectAsync(clientId, BufferSize, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        var reading = new Task[connections.Length];
        try
        {
            for (var i = 0; i < connections.Length; i++)
            {
                reading[i] = connections[i].ReadLoopAsync(publishers[i]);
                pinger.Add(connections[i]);
            }

            progress($"{connections.Length} publishers connected");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var cpu = CpuMeter.Start();
            var started = Stopwatch.GetTimestamp();
            var publishing = publishers.Select((p, i) => p.RunAsync(connections[i], stop.Token)).ToArray();
            var sent = 0L;
            await BenchProgress.EverySecondAsync(settings.Duration, seconds =>
            {
                var now = publishers.Sum(p => p.Sent);
                progress($"sent {(now - sent) / seconds:N0}/s");
                sent = now;
            }, cancellationToken).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(publishing).ConfigureAwait(false);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var cpuPercent = cpu.Percent();
            foreach (var publisher in publishers)
            {
                await publisher.DrainAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }

            var errors = new List<string>();
            for (var i = 0; i < connections.Length; i++)
            {
                if ((connections[i].DropReason ?? publishers[i].Error) is { } reason)
                {
                    errors.Add($"{connections[i].ClientId}: {reason}");
                }
            }

            foreach (var error in errors.Take(3))
            {
                progress($"connection error: {error}");
            }

            var total = publishers.Sum(p => p.Sent);
            var acknowledged = publishers.Sum(p => p.Acknowledged);
            return new BenchPubResult
            {
                Clients = settings.Clients,
                QoS = (int)settings.QoS,
                Payload = settings.PayloadSize,
                Seconds = Math.Round(seconds, 2),
                Sent = total,
                SentPerSecond = Math.Round(total / seconds),
                Acknowledged = acknowledged,
                Unacknowledged = settings.QoS == QualityOfService.AtMostOnce ? 0 : total - acknowledged,
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
}
