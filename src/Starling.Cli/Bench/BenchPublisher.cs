using System.Buffers.Binary;
using System.Diagnostics;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>
/// Publishes numbered messages (sequence, send time and publisher index in the first 20 payload bytes) as fast as its
/// windows allow, or at a fixed rate, and completes the QoS 1/2 flows. Writes are flushed in batches.
/// </summary>
internal sealed class BenchPublisher : IDisposable
{
    private readonly BenchSettings _settings;
    private readonly string _topic;
    private readonly SemaphoreSlim _window;
    private readonly List<ushort> _releases = [];

    public BenchPublisher(BenchSettings settings, int index, string topic, int receivers)
    {
        _settings = settings;
        Index = index;
        _topic = topic;
        _window = new SemaphoreSlim(settings.Window, settings.Window);
        EndToEnd = new SemaphoreSlim(settings.EndToEndWindow * receivers, settings.EndToEndWindow * receivers);
    }

    public int Index { get; }

    /// <summary>Released by subscribers for every copy received: bounds what is in the broker at maximum rate.</summary>
    public SemaphoreSlim EndToEnd { get; }

    public long Sent;

    public long Acknowledged;

    public async Task RunAsync(BenchConnection connection, int receivers, CancellationToken stop)
    {
        var reading = connection.ReadLoopAsync(OnPacket, () => FlushReleasesAsync(connection), CancellationToken.None);
        var started = Stopwatch.GetTimestamp();
        var packetId = (ushort)0;
        var rateLimited = _settings.Rate > 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (rateLimited)
                {
                    var due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * _settings.Rate);
                    if (Sent >= due)
                    {
                        await Task.Delay(1, stop).ConfigureAwait(false);
                        continue;
                    }
                }
                else
                {
                    for (var i = 0; i < receivers; i++)
                    {
                        await EndToEnd.WaitAsync(stop).ConfigureAwait(false);
                    }
                }

                if (_settings.QoS != QualityOfService.AtMostOnce)
                {
                    await _window.WaitAsync(stop).ConfigureAwait(false);
                    packetId = packetId == ushort.MaxValue ? (ushort)1 : (ushort)(packetId + 1);
                }

                var payload = new byte[_settings.PayloadSize];
                BinaryPrimitives.WriteInt64BigEndian(payload, Sent);
                BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(8), Stopwatch.GetTimestamp());
                BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(16), Index);
                var packet = new PublishPacket { Topic = _topic, Payload = payload, QoS = _settings.QoS, PacketId = packetId };
                Sent++;

                // Flush when the next message would wait anyway, or every 64 messages.
                var flush = rateLimited || Sent % 64 == 0 || (_settings.QoS != QualityOfService.AtMostOnce && _window.CurrentCount == 0) || EndToEnd.CurrentCount < receivers;
                await connection.WriteAsync(packet, flush, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await connection.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        GC.KeepAlive(reading);
    }

    /// <summary>Waits until every QoS 1/2 message sent is acknowledged, or the deadline passes.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (_settings.QoS != QualityOfService.AtMostOnce && Interlocked.Read(ref Acknowledged) < Sent && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _window.Dispose();
        EndToEnd.Dispose();
    }

    private void OnPacket(IMqttPacket packet)
    {
        if (packet is not AckPacket ack)
        {
            return;
        }

        switch (ack.Type)
        {
            case PacketType.PubAck:
            case PacketType.PubComp:
                Interlocked.Increment(ref Acknowledged);
                _window.Release();
                break;
            case PacketType.PubRec:
                _releases.Add(ack.PacketId);
                break;
            default:
                break;
        }
    }

    private async ValueTask FlushReleasesAsync(BenchConnection connection)
    {
        if (_releases.Count == 0)
        {
            return;
        }

        foreach (var id in _releases)
        {
            await connection.WriteAsync(new AckPacket(PacketType.PubRel, id), flush: false, CancellationToken.None).ConfigureAwait(false);
        }

        _releases.Clear();
        await connection.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
