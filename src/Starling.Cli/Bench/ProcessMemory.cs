using System.Globalization;

namespace Starling.Cli.Bench;

/// <summary>Another process's resident memory, from Linux's /proc/PID/status.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS of <paramref name="pid"/> in bytes; throws <see cref="ArgumentException"/> when there is no such process to read.</summary>
    public static long ResidentBytes(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--broker-pid: cannot read /proc/{pid}/status ({e.Message})");
        }

        foreach (var line in lines)
        {
            // "VmRSS:	   52344 kB"
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var parts = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new ArgumentException($"--broker-pid: /proc/{pid}/status has no VmRSS line");
    }
}
