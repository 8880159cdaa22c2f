using System.Buffers;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Tests.Support;

namespace Starling.Protocol.Tests;

/// <summary>
/// Random and mutated input never crashes, hangs or balloons the decoder: every input ends as a packet, a typed error,
/// or "need more bytes", within a bounded amount of memory.
/// </summary>
public sealed class FuzzTests
{
    private const int Cases = 100_000;
    private const int MaximumPacketSize = 64 * 1024;

    [Fact]
    public void Hundred_thousand_random_and_mutated_packets_decode_to_a_packet_or_a_typed_error()
    {
        var random = new Random(20261125); // fixed seed: a failure is reproducible
        var seeds = Samples.All().Select(s => (s.Version, Bytes: PacketEncoder.ToArray(s.Packet, s.Version))).ToArray();
        var outcomes = new int[3];
        var errorsWithoutRule = 0;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        for (var i = 0; i < Cases; i++)
        {
            var (version, input) = i % 4 == 0
                ? (Samples.Versions[random.Next(3)], RandomPacket(random))
                : Mutate(random, seeds[random.Next(seeds.Length)]);
            var buffer = i % 2 == 0 ? new ReadOnlySequence<byte>(input) : Segments.Split(input, random.Next(input.Length + 1));

            var consumed = 0L;
            while (true)
            {
                var before = buffer.Length;
                var status = PacketDecoder.TryRead(ref buffer, version, MaximumPacketSize, out var packet, out var error);
                outcomes[(int)status]++;
                if (status == FrameStatus.Error)
                {
                    Assert.Null(packet);
                    errorsWithoutRule += string.IsNullOrEmpty(error.Rule) || !Enum.IsDefined(error.ReasonCode) ? 1 : 0;
                    break;
                }

                if (status == FrameStatus.Incomplete)
                {
                    break;
                }

                Assert.NotNull(packet);
                Assert.True(buffer.Length < before, "A decoded packet must consume input, or the read loop would spin.");
                consumed += before - buffer.Length;
            }

            Assert.True(consumed <= input.Length);
        }

        var allocatedPerCase = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / Cases;
        Assert.Equal(0, errorsWithoutRule);
        Assert.True(outcomes[(int)FrameStatus.Complete] > 1000, "The mutations should still produce many valid packets.");
        Assert.True(outcomes[(int)FrameStatus.Error] > 10_000, "The mutations should produce many errors.");

        // Bounded memory: inputs are at most a few KB, so nothing may allocate in proportion to a declared length.
        Assert.True(allocatedPerCase < 64 * 1024, $"Allocated {allocatedPerCase} bytes per case on average.");
    }

    [Fact]
    public void A_declared_length_far_beyond_the_input_does_not_allocate_it()
    {
        // A 200 MB declared PUBLISH with a 10-byte body present: nothing near 200 MB may be allocated.
        byte[] input = [0x30, 0x80, 0x80, 0x80, 0x64, 0x00, 0x01, 0x74, 1, 2, 3, 4, 5];
        var before = GC.GetAllocatedBytesForCurrentThread();
        var buffer = new ReadOnlySequence<byte>(input);

        Assert.Equal(FrameStatus.Incomplete, PacketDecoder.TryRead(ref buffer, ProtocolVersion.V311, int.MaxValue, out _, out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024);
    }

    private static byte[] RandomPacket(Random random)
    {
        var body = new byte[random.Next(0, 64)];
        random.NextBytes(body);
        var first = (byte)random.Next(256);
        var length = random.Next(4) == 0 ? random.Next(0, 300) : body.Length;
        var header = new List<byte> { first };
        do
        {
            var b = (byte)(length & 0x7F);
            length >>= 7;
            header.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);

        return [.. header, .. body];
    }

    private static (ProtocolVersion, byte[]) Mutate(Random random, (ProtocolVersion Version, byte[] Bytes) seed)
    {
        var bytes = seed.Bytes.ToList();
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    bytes[at] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x00;
                    break;
            }
        }

        return (seed.Version, bytes.ToArray());
    }
}
