using System.Buffers;

namespace Starling.Protocol.Tests.Support;

/// <summary>Builds multi-segment sequences, as a socket pipe delivers them.</summary>
public static class Segments
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        var points = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().ToArray();
        if (points.Length == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var starts = new[] { 0 }.Concat(points).ToArray();
        var ends = points.Concat([bytes.Length]).ToArray();
        var first = new Segment(bytes.AsMemory(starts[0], ends[0] - starts[0]), 0);
        var last = first;
        for (var i = 1; i < starts.Length; i++)
        {
            last = last.Append(bytes.AsMemory(starts[i], ends[i] - starts[i]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>One segment per byte: the worst case for a reader.</summary>
    public static ReadOnlySequence<byte> ByteByByte(byte[] bytes) => Split(bytes, Enumerable.Range(1, Math.Max(0, bytes.Length - 1)).ToArray());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
