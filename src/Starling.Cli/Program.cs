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
return await Starling.Cli.Client.ClientFlags.WithOneLineErrors(root.Parse(args)).InvokeAsync().ConfigureAwait(false);
