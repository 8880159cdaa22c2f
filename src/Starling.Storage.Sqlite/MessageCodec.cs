using System.Buffers;
using System.Buffers.Binary;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Storage.Sqlite;

/// <summary>
/// Message bodies and wills are stored as MQTT 5 PUBLISH packets (the codec already writes every property), encoded
/// at QoS 0 with the QoS in its own column; subscription identifiers as little-endian int32 arrays.
/// </summary>
internal static class MessageCodec
{
    public static byte[] Encode(PublishPacket packet) => PacketEncoder.ToArray(packet.CopyMessage(packet.Topic, QualityOfService.AtMostOnce), ProtocolVersion.V500);

    public static PublishPacket Decode(byte[] bytes, QualityOfService qos, string what)
    {
        var status = FrameReader.TryReadFrame(new ReadOnlySequence<byte>(bytes), FrameReader.MaxRemainingLength + 5, ProtocolVersion.V500, out var frame, out var error);
        if (status != FrameStatus.Complete || !PacketDecoder.TryDecodePublish(frame, ProtocolVersion.V500, out var packet, out error))
        {
            throw new InvalidDataException($"{what} does not hold a valid message ({(status == FrameStatus.Complete ? error.ToString() : "truncated")}).");
        }

        return packet.CopyMessage(packet.Topic, qos);
    }

    public static byte[]? EncodeIds(int[]? ids)
    {
        if (ids is null || ids.Length == 0)
        {
            return null;
        }

        var bytes = new byte[ids.Length * 4];
        for (var i = 0; i < ids.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), ids[i]);
        }

        return bytes;
    }

    public static int[]? DecodeIds(byte[]? bytes)
    {
        if (bytes is null || bytes.Length == 0)
        {
            return null;
        }

        var ids = new int[bytes.Length / 4];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * 4));
        }

        return ids;
    }

    public static long? ToUnixMilliseconds(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    public static DateTimeOffset? FromUnixMilliseconds(object value) =>
        value is DBNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)value);
}
