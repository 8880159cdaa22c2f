using System.CommandLine;
using Starling.Cli;

var root = new RootCommand("Starling: an MQTT 3.1 / 3.1.1 / 5.0 broker for .NET.")
{
    ServeCommand.Create(),
    PubCommand.Create(), SubCommand.Create(),
};
Starling.Cli.Client.ClientFlags.FreeShortHelpAlias(root);
var parsed = Starling.Cli.Client.ClientFlags.WithOneLineErrors(root.Parse(args));
return await parsed.InvokeAsync().ConfigureAwait(false);
