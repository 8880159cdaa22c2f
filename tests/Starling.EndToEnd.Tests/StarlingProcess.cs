using Starling.TestKit;

namespace Starling.EndToEnd.Tests;

/// <summary>Runs the real <c>starling</c> command built from src/Starling.Cli.</summary>
internal static class StarlingProcess
{
    /// <summary>starling.dll of the same configuration as this test assembly.</summary>
    public static string Dll { get; } = FindDll();

    /// <summary>Starts starling; without a working directory, in a new temporary one (so its ./data store is its own).</summary>
    public static ExternalProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null) =>
        ExternalProcess.Start("dotnet", [Dll, .. arguments], workingDirectory ?? Directory.CreateTempSubdirectory("starling-run-").FullName, environment: environment);

    public static Task<string> WaitUntilListeningAsync(ExternalProcess process, CancellationToken cancellationToken) =>
        process.WaitForLineAsync(line => line.Contains("Starling listening for MQTT", StringComparison.Ordinal), TimeSpan.FromSeconds(30), cancellationToken);

    private static string FindDll()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = directory.Parent!.Name; // bin/<Configuration>/net10.0/
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Starling.slnx")))
        {
            directory = directory.Parent;
        }

        var dll = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Starling.slnx not found above the test folder."),
            "src", "Starling.Cli", "bin", configuration, "net10.0", "starling.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build src/Starling.Cli first.");
    }
}
