using System.Buffers;
using System.Runtime.CompilerServices;

namespace Starling.Protocol.Decoding;

/// <summary>Finds control packets in a byte stream by their fixed header [MQTT-2.1].</summary>
public static class FrameReader
{
    /// <summary>The largest Remaining Length a Variable Byte Integer can express (268,435,455).</summary>
    public const int MaxRemainingLength = 268_435_455;

    /// <summary>
    /// Looks for one whole packet at the start of <paramref name="buffer"/>. The declared size is checked against
    /// <paramref name="maximumPacketSize"/> as soon as the fixed header is read, before the body is waited for.
    /// </summary>
    /// <param name="buffer">Input; nothing is consumed, <paramref name="frame"/>.TotalLength says how much the packet spans.</param>
    /// <param name="maximumPacketSize">Largest packet accepted, fixed header included.</param>
    /// <param name="frame">The packet when the result is <see cref="FrameStatus.Complete"/>.</param>
    /// <param name="error">The violation when the result is <see cref="FrameStatus.Error"/>.</param>
    public static FrameStatus TryReadFrame(in ReadOnlySequence<byte> buffer, int maximumPacketSize, out Frame frame, out MqttProtocolError error) =>
        TryReadFrame(buffer, maximumPacketSize, ProtocolVersion.V500, out frame, out error);

    /// <summary>
    /// As <see cref="TryReadFrame(in ReadOnlySequence{byte}, int, out Frame, out MqttProtocolError)"/>, with the fixed
    /// header flag rules of <paramref name="version"/>: MQTT 3.1 lets a resent PUBREL, SUBSCRIBE or UNSUBSCRIBE carry DUP.
    /// </summary>
    public static FrameStatus TryReadFrame(in ReadOnlySequence<byte> buffer, int maximumPacketSize, ProtocolVersion version, out Frame frame, out MqttProtocolError error)
    {
        frame = default;
        error = default;
        if (buffer.IsSingleSegment)
        {
            return TryReadFrame(buffer.FirstSpan, buffer, maximumPacketSize, version, out frame, out error);
        }

        Span<byte> header = stackalloc byte[5];
        var available = (int)Math.Min(buffer.Length, 5);
        buffer.Slice(0, available).CopyTo(header);
        return TryReadFrame(header[..available], buffer, maximumPacketSize, version, out frame, out error);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FrameStatus TryReadFrame(ReadOnlySpan<byte> head, in ReadOnlySequence<byte> buffer, int maximumPacketSize, ProtocolVersion version, out Frame frame, out MqttProtocolError error)
    {
        frame = default;
        error = default;
        if (head.Length < 2)
        {
            return FrameStatus.Incomplete;
        }

        var remaining = 0;
        var shift = 0;
        var index = 1;
        while (true)
        {
            if (index == 5)
            {
                error = new MqttProtocolError(ReasonCode.MalformedPacket, "§1.5.5", "Remaining Length uses more than four bytes");
                return FrameStatus.Error;
            }

            if (index >= head.Length)
            {
                return FrameStatus.Incomplete;
            }

            var b = head[index++];
            remaining |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && index > 2)
                {
                    error = new MqttProtocolError(ReasonCode.MalformedPacket, "MQTT-1.5.5-1", "Remaining Length is not encoded in the minimum number of bytes");
                    return FrameStatus.Error;
                }

                break;
            }

            shift += 7;
        }

        var first = head[0];
        var type = (PacketType)(first >> 4);
        var flags = (byte)(first & 0x0F);
        if (!FlagsAreValid(type, flags, version, out error))
        {
            return FrameStatus.Error;
        }

        var total = (long)index + remaining;
        if (total > maximumPacketSize)
        {
            error = new MqttProtocolError(ReasonCode.PacketTooLarge, "MQTT-3.2.2-15",
                $"Packet of {total} bytes exceeds the maximum packet size of {maximumPacketSize}");
            return FrameStatus.Error;
        }

        if (buffer.Length < total)
        {
            return FrameStatus.Incomplete;
        }

        frame = new Frame(type, flags, (int)total, buffer.Slice(index, remaining));
        return FrameStatus.Complete;
    }

    private static bool FlagsAreValid(PacketType type, byte flags, ProtocolVersion version, out MqttProtocolError error)
    {
        error = default;
        switch (type)
        {
            case 0:
                error = new MqttProtocolError(ReasonCode.MalformedPacket, "§2.1.2", "Packet type 0 is reserved");
                return false;
            case PacketType.Publish:
                return true;
            case PacketType.PubRel or PacketType.Subscribe or PacketType.Unsubscribe:
                if (flags == 0b0010 || (flags == 0b1010 && version == ProtocolVersion.V310))
                {
                    return true;
                }

                break;
            default:
                if (flags == 0)
                {
                    return true;
                }

                break;
        }

        error = new MqttProtocolError(ReasonCode.MalformedPacket, "MQTT-2.1.3-1", $"Reserved fixed header flags 0x{flags:X} are invalid for {type}");
        return false;
    }
}
