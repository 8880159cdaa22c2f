using System.Buffers;
using BenchmarkDotNet.Attributes;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Benchmarks;

/// <summary>
/// Decode and encode costs of the packets on the hot path. Decoders return the packet so its allocation is counted;
/// encoders write into a reused buffer so only the encoder's own allocation shows (expected: none).
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private static readonly UserProperty[] Properties = [new("trace-id", "4bf92f3577b34da6"), new("unit", "celsius")];

    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private PublishPacket _publish64V311 = null!;
    private PublishPacket _publish4KV311 = null!;
    private PublishPacket _publish64V5 = null!;
    private PublishPacket _publish4KV5 = null!;
    private ConnectPacket _connectV5 = null!;
    private ReadOnlySequence<byte> _publish64V311Bytes;
    private ReadOnlySequence<byte> _publish4KV311Bytes;
    private ReadOnlySequence<byte> _publish64V5Bytes;
    private ReadOnlySequence<byte> _publish4KV5Bytes;
    private ReadOnlySequence<byte> _connectV5Bytes;
    private ReadOnlySequence<byte> _pubAckBytes;

    [GlobalSetup]
    public void Setup()
    {
        _publish64V311 = Publish(64, v5: false);
        _publish4KV311 = Publish(4096, v5: false);
        _publish64V5 = Publish(64, v5: true);
        _publish4KV5 = Publish(4096, v5: true);
        _connectV5 = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            ClientId = "sensor-0042",
            CleanSession = false,
            KeepAlive = 60,
            UserName = "device",
            Password = "secret"u8.ToArray(),
            SessionExpiryInterval = 3600,
            ReceiveMaximum = 100,
            MaximumPacketSize = 1 << 20,
            TopicAliasMaximum = 10,
            RequestProblemInformation = true,
            UserProperties = Properties,
            Will = new WillMessage { Topic = "devices/0042/status", Payload = "offline"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, Retain = true, WillDelayInterval = 5 },
        };
        _publish64V311Bytes = Bytes(_publish64V311, ProtocolVersion.V311);
        _publish4KV311Bytes = Bytes(_publish4KV311, ProtocolVersion.V311);
        _publish64V5Bytes = Bytes(_publish64V5, ProtocolVersion.V500);
        _publish4KV5Bytes = Bytes(_publish4KV5, ProtocolVersion.V500);
        _connectV5Bytes = Bytes(_connectV5, ProtocolVersion.V500);
        _pubAckBytes = Bytes(new AckPacket(PacketType.PubAck, 4242), ProtocolVersion.V500);
    }

    [Benchmark]
    public PublishPacket DecodePublish64V311() => DecodePublish(_publish64V311Bytes, ProtocolVersion.V311);

    [Benchmark]
    public PublishPacket DecodePublish4KV311() => DecodePublish(_publish4KV311Bytes, ProtocolVersion.V311);

    [Benchmark]
    public PublishPacket DecodePublish64V5Properties() => DecodePublish(_publish64V5Bytes, ProtocolVersion.V500);

    [Benchmark]
    public PublishPacket DecodePublish4KV5Properties() => DecodePublish(_publish4KV5Bytes, ProtocolVersion.V500);

    [Benchmark]
    public int EncodePublish64V311() => Encode(_publish64V311, ProtocolVersion.V311);

    [Benchmark]
    public int EncodePublish4KV311() => Encode(_publish4KV311, ProtocolVersion.V311);

    [Benchmark]
    public int EncodePublish64V5Properties() => Encode(_publish64V5, ProtocolVersion.V500);

    [Benchmark]
    public int EncodePublish4KV5Properties() => Encode(_publish4KV5, ProtocolVersion.V500);

    [Benchmark]
    public ConnectPacket DecodeConnectV5() =>
        FrameReader.TryReadFrame(_connectV5Bytes, int.MaxValue, out var frame, out _) == FrameStatus.Complete
        && PacketDecoder.TryDecodeConnect(frame, out var packet, out _) ? packet : throw new InvalidOperationException();

    [Benchmark]
    public int EncodeConnectV5() => Encode(_connectV5, ProtocolVersion.V500);

    [Benchmark]
    public ushort DecodePubAck() =>
        FrameReader.TryReadFrame(_pubAckBytes, int.MaxValue, out var frame, out _) == FrameStatus.Complete
        && PacketDecoder.TryDecodeAck(frame, ProtocolVersion.V500, out var ack, out _) ? ack.PacketId : throw new InvalidOperationException();

    [Benchmark]
    public int EncodePubAck()
    {
        _output.ResetWrittenCount();
        var writer = new MqttWriter(_output);
        AckEncoder.Write(ref writer, new AckPacket(PacketType.PubAck, 4242), ProtocolVersion.V500);
        writer.Commit();
        return _output.WrittenCount;
    }

    private int Encode(IMqttPacket packet, ProtocolVersion version)
    {
        _output.ResetWrittenCount();
        PacketEncoder.Encode(packet, version, _output);
        return _output.WrittenCount;
    }

    private static PublishPacket DecodePublish(ReadOnlySequence<byte> bytes, ProtocolVersion version) =>
        FrameReader.TryReadFrame(bytes, int.MaxValue, out var frame, out _) == FrameStatus.Complete
        && PacketDecoder.TryDecodePublish(frame, version, out var packet, out _) ? packet : throw new InvalidOperationException();

    private static PublishPacket Publish(int size, bool v5) => new()
    {
        Topic = "factory/line-3/sensors/temperature",
        QoS = QualityOfService.AtLeastOnce,
        PacketId = 1234,
        Payload = new byte[size],
        MessageExpiryInterval = v5 ? 300u : null,
        ContentType = v5 ? "application/json" : null,
        UserProperties = v5 ? Properties : [],
    };

    private static ReadOnlySequence<byte> Bytes(IMqttPacket packet, ProtocolVersion version) =>
        new(PacketEncoder.ToArray(packet, version));
}
