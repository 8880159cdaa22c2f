using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Exact encoded sizes of MQTT data types and properties, for Remaining Length and Maximum Packet Size checks.</summary>
public static class Sizes
{
    /// <summary>Bytes taken by a Variable Byte Integer.</summary>
    public static int VariableByteInteger(int value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };

    /// <summary>UTF-8 byte count of a string, refusing strings longer than a UTF-8 field allows [MQTT-1.5.4].</summary>
    public static int Utf8(string value)
    {
        var length = value.Length <= 21_845 ? System.Text.Encoding.UTF8.GetByteCount(value) : CheckedLength(value);
        return length;
    }

    /// <summary>A UTF-8 Encoded String with its length prefix.</summary>
    public static int Utf8String(string value) => 2 + Utf8(value);

    /// <summary>Size of a whole packet given its Remaining Length.</summary>
    public static int Packet(int remainingLength) => 1 + VariableByteInteger(remainingLength) + remainingLength;

    /// <summary>A property list with its Variable Byte Integer length prefix.</summary>
    public static int PropertyList(int propertiesLength) => VariableByteInteger(propertiesLength) + propertiesLength;

    internal static int Property(byte? value) => value.HasValue ? 2 : 0;

    internal static int Property(bool? value) => value.HasValue ? 2 : 0;

    internal static int Property(ushort? value) => value.HasValue ? 3 : 0;

    internal static int Property(uint? value) => value.HasValue ? 5 : 0;

    internal static int Property(string? value) => value is null ? 0 : 1 + Utf8String(value);

    internal static int Property(byte[]? value) => value is null ? 0 : 3 + value.Length;

    internal static int UserProperties(IReadOnlyList<UserProperty> properties)
    {
        var size = 0;
        for (var i = 0; i < properties.Count; i++)
        {
            size += 1 + Utf8String(properties[i].Name) + Utf8String(properties[i].Value);
        }

        return size;
    }

    /// <summary>Reason String and User Properties: what a sender may leave out to fit the peer's Maximum Packet Size.</summary>
    internal static int Diagnostics(string? reasonString, IReadOnlyList<UserProperty> userProperties, bool omit) =>
        omit ? 0 : Property(reasonString) + UserProperties(userProperties);

    private static int CheckedLength(string value)
    {
        var length = System.Text.Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"A string of {length} UTF-8 bytes exceeds the 65,535 an MQTT string allows.", nameof(value));
        }

        return length;
    }
}
