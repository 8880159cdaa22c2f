using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace Starling.Protocol.Decoding;

/// <summary>Reads MQTT data types (section 1.5) from a packet body; every shortage or invalid value throws <see cref="MqttProtocolException"/>.</summary>
internal ref struct MqttReader
{
    private SequenceReader<byte> _reader;

    public MqttReader(ReadOnlySequence<byte> body)
    {
        _reader = new SequenceReader<byte>(body);
    }

    public readonly long Remaining => _reader.Remaining;

    public readonly long Consumed => _reader.Consumed;

    public readonly bool End => _reader.End;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte()
    {
        if (!_reader.TryRead(out var value))
        {
            Violation.Truncated();
        }

        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort ReadUInt16()
    {
        var span = _reader.UnreadSpan;
        if (span.Length >= 2)
        {
            _reader.Advance(2);
            return BinaryPrimitives.ReadUInt16BigEndian(span);
        }

        if (!_reader.TryReadBigEndian(out short value))
        {
            Violation.Truncated();
        }

        return (ushort)value;
    }

    public uint ReadUInt32()
    {
        if (!_reader.TryReadBigEndian(out int value))
        {
            Violation.Truncated();
        }

        return (uint)value;
    }

    /// <summary>Reads a Variable Byte Integer [MQTT-1.5.5].</summary>
    public int ReadVariableByteInteger()
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            var b = ReadByte();
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    Violation.Malformed("MQTT-1.5.5-1", "A Variable Byte Integer is not encoded in the minimum number of bytes");
                }

                return value;
            }
        }

        Violation.Malformed("§1.5.5", "A Variable Byte Integer uses more than four bytes");
        return 0;
    }

    /// <summary>Reads a UTF-8 Encoded String [MQTT-1.5.4], refusing ill-formed UTF-8 and U+0000.</summary>
    public string ReadString()
    {
        int length = ReadUInt16();
        var span = _reader.UnreadSpan;
        if (span.Length >= length)
        {
            var text = Utf8ToString(span[..length]);
            _reader.Advance(length);
            return text;
        }

        return ReadStringSlow(length);
    }

    private string ReadStringSlow(int length)
    {
        if (_reader.Remaining < length)
        {
            Violation.Truncated();
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            _reader.TryCopyTo(rented.AsSpan(0, length));
            _reader.Advance(length);
            return Utf8ToString(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string Utf8ToString(ReadOnlySpan<byte> utf8)
    {
        ValidateUtf8(utf8);
        return System.Text.Encoding.UTF8.GetString(utf8);
    }

    public static void ValidateUtf8(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
        {
            // [MQTT-1.5.4-1] in 5.0, [MQTT-1.5.3-1] in 3.1.1.
            Violation.Malformed("MQTT-1.5.4-1", "A UTF-8 string is ill-formed or encodes a surrogate");
        }

        if (utf8.Contains((byte)0))
        {
            // [MQTT-1.5.4-2] in 5.0, [MQTT-1.5.3-2] in 3.1.1.
            Violation.Malformed("MQTT-1.5.4-2", "A UTF-8 string contains U+0000");
        }
    }

    /// <summary>Reads Binary Data [MQTT-1.5.6] into a new array.</summary>
    public byte[] ReadBinary()
    {
        int length = ReadUInt16();
        return ReadBytes(length);
    }

    public byte[] ReadBytes(long length)
    {
        if (_reader.Remaining < length)
        {
            Violation.Truncated();
        }

        if (length == 0)
        {
            return [];
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        _reader.TryCopyTo(bytes);
        _reader.Advance(length);
        return bytes;
    }

    /// <summary>Copies everything left in the body (a PUBLISH payload) into one new array: the only copy made.</summary>
    public byte[] ReadRest() => ReadBytes(_reader.Remaining);

    public void ExpectEnd()
    {
        if (!_reader.End)
        {
            Violation.TrailingBytes();
        }
    }
}
