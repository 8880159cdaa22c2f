using System.Diagnostics;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>
/// Receives numbered messages, acknowledges them in batches (one flush per read), records end-to-end latency while
/// measuring, and hands sequence accounting to its <see cref="SequenceTracker"/> (its own, or its group's).
/// Nothing is allocated per message.
/// </summary>
internal sealed class BenchSubscriber : IBenchPacketHandler
{
    private readonly CreditGate?[] _endToEnd;
    private readonly List<(PacketType Type, ushort PacketId)> _acks = new(1024);
    private long _received;

    /// <param name="tracker">Sequence accounting, shared by the members of a shared-subscription group.</param>
    /// <param name="endToEnd">Each publisher's end-to-end window, by publisher index, released per new message; empty when nobody waits.</param>
    public BenchSubscriber(SequenceTracker tracker, CreditGate?[] endToEnd)
    {
        Tracker = tracker;
        _endToEnd = endToEnd;
    }

    public SequenceTracker Tracker { get; }

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Latencies recorded while <see cref="Measuring"/>.</summary>
    public LatencyHistogram Latencies { get; } = new();

    public volatile bool Measuring;

    public void OnPublish(in BenchPublish publish)
    {
        Interlocked.Increment(ref _received);
        if (publish.IsBench)
        {
            var payload = publish.Payload;
            if (Measuring)
            {
                Latencies.Record(Stopwatch.GetTimestamp() - payload.SentAt);
            }

            if (Tracker.Observe(payload.Publisher, payload.Sequence) && (uint)payload.Publisher < (uint)_endToEnd.Length)
            {
                _endToEnd[payload.Publisher]?.Release();
            }
        }

        if (publish.QoS == QualityOfService.AtLeastOnce)
        {
            _acks.Add((PacketType.PubAck, publish.PacketId));
        }
        else if (publish.QoS == QualityOfService.ExactlyOnce)
        {
            _acks.Add((PacketType.PubRec, publish.PacketId));
        }
    }

    public void OnAck(in AckPacket ack)
    {
        if (ack.Type == PacketType.PubRel)
        {
            _acks.Add((PacketType.PubComp, ack.PacketId));
        }
    }

    public void OnOther(IMqttPacket packet)
    {
        // PINGRESP; a DISCONNECT ends the read loop, which reports it.
    }

    public async ValueTask AfterBatchAsync(BenchConnection connection)
    {
        if (_acks.Count == 0)
        {
            return;
        }

        await connection.EnterWriteAsync().ConfigureAwait(false);
        try
        {
            foreach (var (type, packetId) in _acks)
            {
                connection.WriteAck(type, packetId);
            }

            _acks.Clear();
            await connection.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            connection.ExitWrite();
        }
    }
}
