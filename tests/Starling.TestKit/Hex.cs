using System.Globalization;

namespace Starling.TestKit;

/// <summary>Hex strings for readable byte vectors: "10 0C 00 04" (spaces, dashes and newlines ignored).</summary>
public static class Hex
{
    public static byte[] Parse(string hex)
    {
        var digits = new string(hex.Where(Uri.IsHexDigit).ToArray());
        if (digits.Length % 2 != 0)
        {
            throw new ArgumentException($"Odd number of hex digits in '{hex}'.", nameof(hex));
        }

        var bytes = new byte[digits.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = byte.Parse(digits.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return bytes;
    }

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).Chunk(2).Aggregate(
        new System.Text.StringBuilder(), (sb, pair) => sb.Append(sb.Length == 0 ? "" : " ").Append(pair)).ToString();
}
