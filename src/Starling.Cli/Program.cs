using System.CommandLine;
using Starling.Cli;

ServerTiering.RestartWithEagerTiering(args);

var root = new RootCommand("Starling: an MQTT 3.1 / 3.1.1 / 5.0 broker for .NET.")
{
    ServeCommand.Create(),
    StoreCommand.Create(),
    Starling.Cli.Bench.BenchCommand.Create(),
};
Starling.Cli.Client.ClientFlags.AddClientCommands(root);
var parsed = Starling.Cli.Client.ClientFlags.WithOneLineErrors(root.Parse(args));
return Starling.Cli.Bench.BenchArguments.ReportParseError(parsed) ?? await parsed.InvokeAsync().ConfigureAwait(false);
