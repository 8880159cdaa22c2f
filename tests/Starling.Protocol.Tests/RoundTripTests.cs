using System.Buffers;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;
using Starling.Protocol.Tests.Support;

namespace Starling.Protocol.Tests;

/// <summary>Encode, then decode, every sample packet of every version: whole, split at every byte, and many per buffer.</summary>
public sealed class RoundTripTests
{
    public static TheoryData<string, ProtocolVersion> Cases()
    {
        var data = new TheoryData<string, ProtocolVersion>();
        foreach (var (name, version, _) in Samples.All())
        {
            data.Add(name, version);
        }

        return data;
    }

    private static IMqttPacket Sample(string name, ProtocolVersion version) =>
        Samples.For(version).Single(s => s.Name == name).Packet;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoded_size_is_exact_and_decoding_gives_the_same_packet(string name, ProtocolVersion version)
    {
        var packet = Sample(name, version);
        var bytes = PacketEncoder.ToArray(packet, version);

        Assert.Equal(bytes.Length, PacketEncoder.GetSize(packet, version));
        var decoded = Decode(new ReadOnlySequence<byte>(bytes), version, bytes.Length);
        Assert.Equal(Canonical.Of(packet, version), Canonical.Of(decoded));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_prefix_is_incomplete_and_every_two_segment_split_decodes(string name, ProtocolVersion version)
    {
        var packet = Sample(name, version);
        var bytes = PacketEncoder.ToArray(packet, version);
        var expected = Canonical.Of(packet, version);

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var prefix = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.Equal(FrameStatus.Incomplete, FrameReader.TryReadFrame(prefix, int.MaxValue, out _, out _));
            Assert.Equal(expected, Canonical.Of(Decode(Segments.Split(bytes, cut), version, bytes.Length)));
        }

        Assert.Equal(expected, Canonical.Of(Decode(Segments.ByteByByte(bytes), version, bytes.Length)));
    }

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Many_packets_in_one_buffer_decode_in_order(ProtocolVersion version)
    {
        var packets = Samples.For(version).Where(s => s.Packet is not ConnectPacket).Select(s => s.Packet).ToList();
        var stream = packets.SelectMany(p => PacketEncoder.ToArray(p, version)).ToArray();
        var buffer = Segments.Split(stream, stream.Length / 3, stream.Length / 2 + 1);

        foreach (var packet in packets)
        {
            Assert.Equal(FrameStatus.Complete, PacketDecoder.TryRead(ref buffer, version, int.MaxValue, out var decoded, out var error));
            Assert.Equal(default, error);
            Assert.Equal(Canonical.Of(packet, version), Canonical.Of(decoded!));
        }

        Assert.True(buffer.IsEmpty);
        Assert.Equal(FrameStatus.Incomplete, PacketDecoder.TryRead(ref buffer, version, int.MaxValue, out _, out _));
    }

    [Fact]
    public void Remaining_length_uses_every_variable_byte_integer_width()
    {
        // 127 / 128 / 16,383 / 16,384 / 2,097,152 byte bodies need 1, 2, 2, 3 and 4 length bytes [MQTT-1.5.5].
        foreach (var (bodyLength, lengthBytes) in new[] { (127, 1), (128, 2), (16_383, 2), (16_384, 3), (2_097_152, 4) })
        {
            var payloadLength = bodyLength - 3; // topic "t" takes 3 bytes at QoS 0 on 3.1.1
            var packet = new PublishPacket { Topic = "t", Payload = new byte[payloadLength] };
            var bytes = PacketEncoder.ToArray(packet, ProtocolVersion.V311);
            Assert.Equal(1 + lengthBytes + bodyLength, bytes.Length);
            var decoded = (PublishPacket)Decode(new ReadOnlySequence<byte>(bytes), ProtocolVersion.V311, bytes.Length);
            Assert.Equal(payloadLength, decoded.Payload.Length);
        }
    }

    [Fact]
    public void A_large_payload_is_encoded_across_many_output_segments()
    {
        var payload = Enumerable.Range(0, 1_000_000).Select(i => (byte)i).ToArray();
        var packet = new PublishPacket { Topic = "big", QoS = QualityOfService.AtLeastOnce, PacketId = 5, Payload = payload };
        var output = new SmallSegmentWriter(1000);
        PacketEncoder.Encode(packet, ProtocolVersion.V500, output);

        var bytes = output.ToArray();
        Assert.Equal(PacketEncoder.GetSize(packet, ProtocolVersion.V500), bytes.Length);
        var decoded = (PublishPacket)Decode(new ReadOnlySequence<byte>(bytes), ProtocolVersion.V500, bytes.Length);
        Assert.True(decoded.Payload.Span.SequenceEqual(payload));
    }

    [Fact]
    public void Properties_decode_in_any_order()
    {
        // Section 2.2.2.2: properties may come in any order; these are in the reverse of the encoder's order.
        var bytes = TestKit.PacketBuilder.Publish(qos: 1).String("t").UInt16(9).Properties(p => p
            .Byte(0x26).String("k").String("v")
            .Byte(0x03).String("text/plain")
            .Byte(0x0B).VariableByteInteger(5)
            .Byte(0x09).Binary([7])
            .Byte(0x08).String("reply")
            .Byte(0x23).UInt16(2)
            .Byte(0x02).UInt32(60)
            .Byte(0x01).Byte(1)).Bytes(0x41).Build();

        var packet = (PublishPacket)Decode(new ReadOnlySequence<byte>(bytes), ProtocolVersion.V500, bytes.Length);

        Assert.Equal((PayloadFormatIndicator?)PayloadFormatIndicator.Utf8, packet.PayloadFormat);
        Assert.Equal(60u, packet.MessageExpiryInterval);
        Assert.Equal((ushort)2, packet.TopicAlias);
        Assert.Equal("reply", packet.ResponseTopic);
        Assert.Equal(new byte[] { 7 }, packet.CorrelationData);
        Assert.Equal([5], packet.SubscriptionIdentifiers);
        Assert.Equal("text/plain", packet.ContentType);
        Assert.Equal([new UserProperty("k", "v")], packet.UserProperties);
        Assert.Equal("A"u8.ToArray(), packet.Payload.ToArray());
    }

    internal static IMqttPacket Decode(ReadOnlySequence<byte> buffer, ProtocolVersion version, int expectedLength)
    {
        var status = FrameReader.TryReadFrame(buffer, int.MaxValue, version, out var frame, out var error);
        Assert.True(status == FrameStatus.Complete, $"{status}: {error}");
        Assert.Equal(expectedLength, frame.TotalLength);
        Assert.True(PacketDecoder.TryDecode(frame, version, out var packet, out error), error.ToString());
        return packet;
    }

    /// <summary>An output that never hands out more than a few bytes at a time, to exercise the writer's span changes.</summary>
    private sealed class SmallSegmentWriter(int segmentSize) : IBufferWriter<byte>
    {
        private readonly List<byte[]> _written = [];
        private byte[] _current = [];

        public void Advance(int count) => _written.Add(_current[..count]);

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, segmentSize)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public byte[] ToArray() => _written.SelectMany(b => b).ToArray();
    }
}
