using System.CommandLine;
using Starling.Cli;

var root = new RootCommand("Starling: an MQTT 3.1 / 3.1.1 / 5.0 broker for .NET.")
{
    ServeCommand.Create(),
    StoreCommand.Create(),
    Starling.Cli.Bench.BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
