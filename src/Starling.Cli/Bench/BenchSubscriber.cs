using System.Buffers.Binary;
using System.Diagnostics;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>
/// Receives numbered messages, acknowledges them in batches (one flush per read), records end-to-end latency while
/// measuring, and counts duplicates, gaps and reordering per publisher.
/// </summary>
internal sealed class BenchSubscriber
{
    private readonly BenchPublisher[] _publishers;
    private const int MaximumHoles = 1 << 20;

    // Per publisher: the next sequence expected and the sequences below it not received yet (usually none), which
    // tells a late message (reordered) from a second copy (duplicate) in constant memory.
    private readonly long[] _next;
    private readonly HashSet<long>[] _holes;
    private readonly List<IMqttPacket> _acks = [];

    public BenchSubscriber(BenchPublisher[] publishers)
    {
        _publishers = publishers;
        _next = new long[publishers.Length];
        _holes = new HashSet<long>[publishers.Length];
        for (var i = 0; i < publishers.Length; i++)
        {
            _holes[i] = [];
        }
    }

    public long Received;

    public long Duplicates;

    public long Reordered;

    /// <summary>Latencies in stopwatch ticks, recorded while <see cref="Measuring"/>.</summary>
    public List<long> Latencies { get; } = new(1 << 20);

    public volatile bool Measuring;

    /// <summary>Distinct messages received from publisher <paramref name="index"/>.</summary>
    public long Distinct(int index) => _next[index] - _holes[index].Count;

    public Task RunAsync(BenchConnection connection) =>
        connection.ReadLoopAsync(OnPacket, () => FlushAcksAsync(connection), CancellationToken.None);

    private void OnPacket(IMqttPacket packet)
    {
        switch (packet)
        {
            case PublishPacket publish:
                OnPublish(publish);
                break;
            case AckPacket { Type: PacketType.PubRel } release:
                _acks.Add(new AckPacket(PacketType.PubComp, release.PacketId));
                break;
            default:
                break;
        }
    }

    private void OnPublish(PublishPacket publish)
    {
        var span = publish.Payload.Span;
        var sequence = BinaryPrimitives.ReadInt64BigEndian(span);
        var sentAt = BinaryPrimitives.ReadInt64BigEndian(span[8..]);
        var index = BinaryPrimitives.ReadInt32BigEndian(span[16..]);
        Received++;
        if (Measuring)
        {
            Latencies.Add(Stopwatch.GetTimestamp() - sentAt);
        }

        var next = _next[index];
        if (sequence >= next)
        {
            var holes = _holes[index];
            for (var missing = next; missing < sequence && holes.Count < MaximumHoles; missing++)
            {
                holes.Add(missing);
            }

            _next[index] = sequence + 1;
        }
        else if (_holes[index].Remove(sequence))
        {
            Reordered++;
        }
        else
        {
            Duplicates++;
            index = -1;
        }

        if (index >= 0)
        {
            _publishers[index].EndToEnd.Release();
        }

        if (publish.QoS == QualityOfService.AtLeastOnce)
        {
            _acks.Add(new AckPacket(PacketType.PubAck, publish.PacketId));
        }
        else if (publish.QoS == QualityOfService.ExactlyOnce)
        {
            _acks.Add(new AckPacket(PacketType.PubRec, publish.PacketId));
        }
    }

    private async ValueTask FlushAcksAsync(BenchConnection connection)
    {
        if (_acks.Count == 0)
        {
            return;
        }

        foreach (var ack in _acks)
        {
            await connection.WriteAsync(ack, flush: false, CancellationToken.None).ConfigureAwait(false);
        }

        _acks.Clear();
        await connection.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
