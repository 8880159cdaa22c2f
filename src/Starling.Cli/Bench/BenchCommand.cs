using System.CommandLine;

namespace Starling.Cli.Bench;

/// <summary>
/// <c>starling bench</c>: load generators for any MQTT broker, in the manner of emqtt-bench: <c>run</c> (publishers and
/// subscribers together, exact loss), <c>pub</c> and <c>sub</c> (either side alone), <c>conn</c> (many idle
/// connections). Each reports its own CPU use, so a saturated generator is visible.
/// </summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Load-test an MQTT broker.")
    {
        BenchRunCommand.Create(),
        BenchPubCommand.Create(),
        BenchSubCommand.Create(),
        BenchConnCommand.Create(),
    };
}
