using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>
/// Writes MQTT data types (section 1.5) straight into an <see cref="IBufferWriter{T}"/>: it asks the output for a
/// span, fills it, and advances the output only on <see cref="Commit"/> or when it needs a new span.
/// </summary>
public ref struct MqttWriter
{
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _buffered;

    /// <summary>Creates a writer over <paramref name="output"/>, reserving <paramref name="sizeHint"/> bytes up front.</summary>
    public MqttWriter(IBufferWriter<byte> output, int sizeHint = 0)
    {
        _output = output;
        _span = output.GetSpan(sizeHint);
        _buffered = 0;
    }

    /// <summary>Advances the output past everything written so far.</summary>
    public void Commit()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
            _span = default;
        }
    }

    /// <summary>Writes the fixed header: the first byte and the Remaining Length.</summary>
    public void WriteFixedHeader(byte first, int remainingLength)
    {
        Ensure(5);
        _span[_buffered++] = first;
        WriteVariableByteIntegerUnchecked(remainingLength);
    }

    /// <summary>Writes one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        Ensure(1);
        _span[_buffered++] = value;
    }

    /// <summary>Writes a Two Byte Integer, big-endian.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt16(ushort value)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16BigEndian(_span[_buffered..], value);
        _buffered += 2;
    }

    /// <summary>Writes a Four Byte Integer, big-endian.</summary>
    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_span[_buffered..], value);
        _buffered += 4;
    }

    /// <summary>Writes a Variable Byte Integer [MQTT-1.5.5].</summary>
    public void WriteVariableByteInteger(int value)
    {
        Ensure(4);
        WriteVariableByteIntegerUnchecked(value);
    }

    /// <summary>Writes a UTF-8 Encoded String with its two-byte length [MQTT-1.5.4].</summary>
    public void WriteString(string value)
    {
        var length = Sizes.Utf8(value);
        Ensure(2 + length);
        BinaryPrimitives.WriteUInt16BigEndian(_span[_buffered..], (ushort)length);
        _buffered += 2;
        System.Text.Encoding.UTF8.GetBytes(value, _span[_buffered..]);
        _buffered += length;
    }

    /// <summary>Writes Binary Data with its two-byte length [MQTT-1.5.6].</summary>
    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            ThrowTooLong();
        }

        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    /// <summary>Writes raw bytes, across as many output spans as needed (large payloads are not staged).</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            if (_span.Length == _buffered)
            {
                Grow(Math.Min(value.Length, 4096));
            }

            var count = Math.Min(value.Length, _span.Length - _buffered);
            value[..count].CopyTo(_span[_buffered..]);
            _buffered += count;
            value = value[count..];
        }
    }

    /// <summary>Writes a byte property when it has a value.</summary>
    public void WriteProperty(PropertyId id, byte? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteByte(v);
        }
    }

    /// <summary>Writes a boolean byte property when it has a value.</summary>
    public void WriteProperty(PropertyId id, bool? value) => WriteProperty(id, value is { } v ? (byte)(v ? 1 : 0) : null);

    /// <summary>Writes a Two Byte Integer property when it has a value.</summary>
    public void WriteProperty(PropertyId id, ushort? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteUInt16(v);
        }
    }

    /// <summary>Writes a Four Byte Integer property when it has a value.</summary>
    public void WriteProperty(PropertyId id, uint? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteUInt32(v);
        }
    }

    /// <summary>Writes a UTF-8 string property when it is not null.</summary>
    public void WriteProperty(PropertyId id, string? value)
    {
        if (value is not null)
        {
            WriteByte((byte)id);
            WriteString(value);
        }
    }

    /// <summary>Writes a Binary Data property when it is not null.</summary>
    public void WriteProperty(PropertyId id, byte[]? value)
    {
        if (value is not null)
        {
            WriteByte((byte)id);
            WriteBinary(value);
        }
    }

    /// <summary>Writes every User Property in order.</summary>
    public void WriteUserProperties(IReadOnlyList<UserProperty> properties)
    {
        for (var i = 0; i < properties.Count; i++)
        {
            WriteByte((byte)PropertyId.UserProperty);
            WriteString(properties[i].Name);
            WriteString(properties[i].Value);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int count)
    {
        if (_span.Length - _buffered < count)
        {
            Grow(count);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int count)
    {
        Commit();
        _span = _output.GetSpan(count);
    }

    private void WriteVariableByteIntegerUnchecked(int value)
    {
        if ((uint)value > Decoding.FrameReader.MaxRemainingLength)
        {
            ThrowTooLong();
        }

        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0)
            {
                b |= 0x80;
            }

            _span[_buffered++] = b;
        }
        while (value > 0);
    }

    private static void ThrowTooLong() => throw new ArgumentException("The value is too long for its MQTT field.");
}
