using System.CommandLine;
using System.Net;
using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>The options every bench subcommand has: where the broker is, how to reach it, and how to print the result.</summary>
internal sealed class BenchCommonOptions
{
    public Option<string> Host { get; } = new("--host") { Description = "Broker IP address.", DefaultValueFactory = _ => "127.0.0.1" };

    public Option<int> Port { get; } = new("--port", "-p") { Description = "Broker port.", DefaultValueFactory = _ => 1883 };

    public Option<int> Version { get; } = new("--mqtt", "-V") { Description = "MQTT version: 4 (3.1.1) or 5.", DefaultValueFactory = _ => 4 };

    public Option<int> KeepAlive { get; } = new("--keep-alive", "-k") { Description = "Keep-alive seconds; quiet connections send PINGREQ every half of it (0: none).", DefaultValueFactory = _ => 60 };

    public Option<string?> SourceAddresses { get; } = new("--source-addresses")
    {
        Description = "Comma-separated local IP addresses to bind connections to, in turn (127.0.0.1,127.0.0.2,...: past ~28,000 connections per address).",
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as one JSON line." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Host, Port, Version, KeepAlive, SourceAddresses, Json })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The broker target; throws <see cref="ArgumentException"/> with a one-line message for a bad value.</summary>
    public BenchTarget Target(ParseResult result)
    {
        var host = result.GetValue(Host);
        var port = result.GetValue(Port);
        var version = result.GetValue(Version);
        var keepAlive = result.GetValue(KeepAlive);
        BenchArguments.Require(IPAddress.TryParse(host, out var address), $"--host: '{host}' is not an IP address");
        BenchArguments.Require(port is > 0 and <= 65535, "--port must be 1-65535");
        BenchArguments.Require(version is 4 or 5, "--mqtt must be 4 (3.1.1) or 5");
        BenchArguments.Require(keepAlive is >= 0 and <= 65535, "--keep-alive must be 0-65535");
        return new BenchTarget
        {
            EndPoint = new IPEndPoint(address!, port),
            Version = version == 5 ? ProtocolVersion.V500 : ProtocolVersion.V311,
            KeepAlive = (ushort)keepAlive,
            SourceAddresses = Bench.SourceAddresses.Parse(result.GetValue(SourceAddresses)),
        };
    }
}
