using System.Collections;
using System.Runtime.InteropServices;

namespace Starling.Cli;

/// <summary>
/// <c>starling serve</c> restarts itself once, in the same process (execve: same pid, same descriptors), with
/// <c>DOTNET_TC_CallCountingDelayMs=0</c> when that is not set. By default the runtime starts counting calls for
/// tier-up only after 100 ms without new JIT activity; a broker that keeps its only core busy (one CPU, a container
/// limit, a taskset) was measured running its hot path unoptimized for seconds, at a quarter of its speed, in about
/// half of the runs. The setting can only be given through the environment, hence the restart. Linux only; a
/// failed restart is ignored (the broker then runs with the default).
/// </summary>
internal static partial class ServerTiering
{
    private const string Variable = "DOTNET_TC_CallCountingDelayMs";

    public static void RestartWithEagerTiering(string[] args)
    {
        if (args is not ["serve", ..] || !OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is not null
            || Environment.ProcessPath is not { } executable)
        {
            return;
        }

        string[] argv;
        try
        {
            // The exact argv this process was started with (the apphost, or dotnet and the dll).
            argv = File.ReadAllText("/proc/self/cmdline").Split('\0')[..^1];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        var environment = new List<string?>();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            environment.Add($"{variable.Key}={variable.Value}");
        }

        environment.Add($"{Variable}=0");
        environment.Add(null);

        // The runtime's diagnostic socket (dotnet-counters, dotnet-trace, dotnet-gcdump) is named after the pid and
        // the process start time, which the restarted runtime shares: remove ours, or the new one cannot bind its own.
        try
        {
            foreach (var socket in Directory.EnumerateFiles(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-*-socket"))
            {
                File.Delete(socket);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Diagnostics of the restarted broker may then be unavailable; the broker itself is not affected.
        }

        // Returns only when the restart failed: go on as we are.
        _ = Execve(executable, [.. argv, null], [.. environment]);
    }

    [DllImport("libc", EntryPoint = "execve", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Execve(string path, string?[] argv, string?[] envp);
}
