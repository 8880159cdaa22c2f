using System.Buffers.Binary;
using System.Text;

namespace Starling.TestKit;

/// <summary>
/// Builds raw packets field by field, computing the Remaining Length, so a test can state exactly which bytes go on
/// the wire, including malformed ones the encoder would refuse to produce.
/// </summary>
public sealed class PacketBuilder
{
    private readonly byte _first;
    private readonly List<byte> _body = [];
    private int? _remainingLengthOverride;

    public PacketBuilder(byte first)
    {
        _first = first;
    }

    public static PacketBuilder Connect() => new(0x10);

    public static PacketBuilder Publish(int qos = 0, bool retain = false, bool dup = false) =>
        new((byte)(0x30 | (qos << 1) | (retain ? 1 : 0) | (dup ? 8 : 0)));

    public static PacketBuilder Subscribe() => new(0x82);

    public static PacketBuilder Unsubscribe() => new(0xA2);

    public PacketBuilder Byte(byte value)
    {
        _body.Add(value);
        return this;
    }

    public PacketBuilder Bytes(params byte[] values)
    {
        _body.AddRange(values);
        return this;
    }

    public PacketBuilder UInt16(ushort value)
    {
        _body.Add((byte)(value >> 8));
        _body.Add((byte)value);
        return this;
    }

    public PacketBuilder UInt32(uint value)
    {
        var buffer = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        return Bytes(buffer);
    }

    /// <summary>A UTF-8 string with its two-byte length.</summary>
    public PacketBuilder String(string value) => Binary(Encoding.UTF8.GetBytes(value));

    /// <summary>Binary data with its two-byte length.</summary>
    public PacketBuilder Binary(byte[] value) => UInt16((ushort)value.Length).Bytes(value);

    public PacketBuilder VariableByteInteger(int value)
    {
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            _body.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return this;
    }

    /// <summary>A property list: its Variable Byte Integer length, then the bytes built by <paramref name="properties"/>.</summary>
    public PacketBuilder Properties(Action<PacketBuilder>? properties = null)
    {
        var inner = new PacketBuilder(0);
        properties?.Invoke(inner);
        return VariableByteInteger(inner._body.Count).Bytes([.. inner._body]);
    }

    /// <summary>Declares a Remaining Length that differs from the body (for malformed cases).</summary>
    public PacketBuilder WithRemainingLength(int remainingLength)
    {
        _remainingLengthOverride = remainingLength;
        return this;
    }

    public byte[] Build()
    {
        var header = new PacketBuilder(0).VariableByteInteger(_remainingLengthOverride ?? _body.Count);
        return [_first, .. header._body, .. _body];
    }

    public static implicit operator byte[](PacketBuilder builder) => builder.Build();
}
