using System.Buffers;

namespace Starling.Protocol.Decoding;

/// <summary>One whole control packet as found in the input: the fixed header's fields and the body after it.</summary>
public readonly struct Frame
{
    /// <summary>Creates a frame.</summary>
    public Frame(PacketType type, byte flags, int totalLength, ReadOnlySequence<byte> body)
    {
        Type = type;
        Flags = flags;
        TotalLength = totalLength;
        Body = body;
    }

    /// <summary>The control packet type.</summary>
    public PacketType Type { get; }

    /// <summary>The low nibble of the first byte (meaningful for PUBLISH).</summary>
    public byte Flags { get; }

    /// <summary>Size of the whole packet on the wire, fixed header included.</summary>
    public int TotalLength { get; }

    /// <summary>The variable header and payload (Remaining Length bytes).</summary>
    public ReadOnlySequence<byte> Body { get; }
}
