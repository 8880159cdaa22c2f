using System.Net;

namespace Starling.Cli.Bench;

/// <summary>
/// Local addresses the bench binds its connections to, in turn. One local address has about 28,000 ephemeral ports
/// towards one broker address and port; every address of 127.0.0.0/8 works on Linux, so a list of them lifts that bound.
/// </summary>
internal sealed class SourceAddresses
{
    private readonly IPAddress[] _addresses;
    private int _next = -1;

    private SourceAddresses(IPAddress[] addresses) => _addresses = addresses;

    /// <summary>No binding: the operating system picks the source address.</summary>
    public static SourceAddresses None { get; } = new([]);

    /// <summary>Parses a comma-separated list of IP addresses; throws <see cref="ArgumentException"/> naming a bad one.</summary>
    public static SourceAddresses Parse(string? list)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return None;
        }

        var addresses = new List<IPAddress>();
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            addresses.Add(IPAddress.TryParse(part, out var address) ? address : throw new ArgumentException($"--source-addresses: '{part}' is not an IP address"));
        }

        return new SourceAddresses([.. addresses]);
    }

    public int Count => _addresses.Length;

    /// <summary>The address for the next connection, or null when none were given.</summary>
    public IPAddress? Next() => _addresses.Length == 0 ? null : _addresses[(int)((uint)Interlocked.Increment(ref _next) % (uint)_addresses.Length)];
}
