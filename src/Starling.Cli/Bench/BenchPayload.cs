using System.Buffers.Binary;

namespace Starling.Cli.Bench;

/// <summary>
/// The first 20 bytes of every bench payload: sequence number (8 bytes), send time in stopwatch ticks (8) and publisher
/// index (4), big-endian; the rest is zeros. The stopwatch is the machine's monotonic clock, so a subscriber in
/// another process on the same machine can subtract the send time from its own.
/// </summary>
internal readonly record struct BenchPayload(long Sequence, long SentAt, int Publisher)
{
    public const int HeaderSize = 20;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, Sequence);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], SentAt);
        BinaryPrimitives.WriteInt32BigEndian(destination[16..], Publisher);
    }

    public static BenchPayload ReadFrom(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt64BigEndian(source),
        BinaryPrimitives.ReadInt64BigEndian(source[8..]),
        BinaryPrimitives.ReadInt32BigEndian(source[16..]));
}
