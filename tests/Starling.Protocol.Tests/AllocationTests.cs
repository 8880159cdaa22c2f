using System.Buffers;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Protocol.Tests;

/// <summary>
/// The allocation promises of the codec, measured with the thread's allocation counter (exact, not timing-based):
/// control acknowledgements decode with no allocation; PUBLISH copies its payload once.
/// </summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData("C0 00", ProtocolVersion.V311)] // PINGREQ
    [InlineData("D0 00", ProtocolVersion.V500)] // PINGRESP
    [InlineData("40 02 12 34", ProtocolVersion.V311)] // PUBACK
    [InlineData("50 02 12 34", ProtocolVersion.V500)] // PUBREC
    [InlineData("62 03 12 34 92", ProtocolVersion.V500)] // PUBREL with a reason code
    [InlineData("70 04 12 34 00 00", ProtocolVersion.V500)] // PUBCOMP with an empty property list
    public void Decoding_pings_and_acknowledgements_allocates_nothing(string hex, ProtocolVersion version)
    {
        var buffer = new ReadOnlySequence<byte>(TestKit.Hex.Parse(hex));
        DecodeOnce(buffer, version); // warm up (JIT, statics)

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            DecodeOnce(buffer, version);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Decoding_a_publish_allocates_the_payload_once_plus_the_packet_and_topic()
    {
        var payload = new byte[4096];
        var bytes = PacketEncoder.ToArray(new PublishPacket { Topic = "a/b", QoS = QualityOfService.AtLeastOnce, PacketId = 1, Payload = payload }, ProtocolVersion.V311);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Decode(buffer);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var packet = Decode(buffer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4096, packet.Payload.Length);
        Assert.InRange(allocated, 4096, 4096 + 256); // one payload copy; the packet object and the topic string fit in 256 bytes
    }

    private static void DecodeOnce(ReadOnlySequence<byte> buffer, ProtocolVersion version)
    {
        FrameReader.TryReadFrame(buffer, int.MaxValue, out var frame, out _);
        if (frame.Type is PacketType.PingReq or PacketType.PingResp)
        {
            Assert.True(PacketDecoder.TryDecode(frame, version, out _, out _));
        }
        else
        {
            // Plain checks: Assert.Equal itself allocates, which would hide what the decoder does.
            if (!PacketDecoder.TryDecodeAck(frame, version, out var ack, out _) || ack.PacketId != 0x1234)
            {
                Assert.Fail("The acknowledgement did not decode.");
            }
        }
    }

    private static PublishPacket Decode(ReadOnlySequence<byte> buffer)
    {
        FrameReader.TryReadFrame(buffer, int.MaxValue, out var frame, out _);
        Assert.True(PacketDecoder.TryDecodePublish(frame, ProtocolVersion.V311, out var packet, out _));
        return packet;
    }
}
