using Starling.TestKit;

namespace Starling.Client.Tests.Support;

/// <summary>Runs the real <c>starling</c> command built next to these tests.</summary>
internal static class StarlingCli
{
    public static string Dll { get; } = FindDll();

    public static ExternalProcess Start(IEnumerable<string> arguments, bool redirectInput = false, string? workingDirectory = null) =>
        ExternalProcess.Start("dotnet", [Dll, .. arguments], workingDirectory ?? Path.GetTempPath(), redirectInput);

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
