using System.Buffers;
using System.Text;
using Starling.Protocol;
using Starling.Protocol.Encoders;

namespace Starling.Cli.Bench;

/// <summary>
/// One publisher's PUBLISH with everything but the packet id and the payload header worked out once: each message is
/// encoded straight into the connection's output with no allocation (no packet object, no payload array).
/// </summary>
internal sealed class BenchPublishTemplate
{
    private readonly byte[] _topic;
    private readonly byte _first;
    private readonly int _remainingLength;
    private readonly byte[] _zeros;

    // Staging for the payload header (a stackalloc span may not be handed to the ref struct writer); one publisher
    // uses a template, so one thread at a time.
    private readonly byte[] _header = new byte[BenchPayload.HeaderSize];

    public BenchPublishTemplate(string topic, QualityOfService qos, int payloadSize, ProtocolVersion version)
    {
        _topic = Encoding.UTF8.GetBytes(topic);
        QoS = qos;
        Version = version;
        PayloadSize = payloadSize;
        _first = (byte)(0x30 | ((int)qos << 1));
        _remainingLength = 2 + _topic.Length + (qos == QualityOfService.AtMostOnce ? 0 : 2) + (version == ProtocolVersion.V500 ? 1 : 0) + payloadSize;
        _zeros = new byte[payloadSize - BenchPayload.HeaderSize];
    }

    public QualityOfService QoS { get; }

    public ProtocolVersion Version { get; }

    public int PayloadSize { get; }

    public void Write(IBufferWriter<byte> output, ushort packetId, in BenchPayload payload)
    {
        var writer = new MqttWriter(output);
        writer.WriteFixedHeader(_first, _remainingLength);
        writer.WriteUInt16((ushort)_topic.Length);
        writer.WriteBytes(_topic);
        if (QoS != QualityOfService.AtMostOnce)
        {
            writer.WriteUInt16(packetId);
        }

        if (Version == ProtocolVersion.V500)
        {
            writer.WriteByte(0); // no properties
        }

        payload.WriteTo(_header);
        writer.WriteBytes(_header);
        writer.WriteBytes(_zeros);
        writer.Commit();
    }
}
