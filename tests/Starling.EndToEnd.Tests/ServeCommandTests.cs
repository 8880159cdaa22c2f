using System.Runtime.InteropServices;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.EndToEnd.Tests;

/// <summary>The real <c>starling serve</c> process: configuration layers, validation, logging and graceful stop.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_listens_on_the_port_from_the_config_file_overridden_by_the_environment_and_then_the_flag()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("starling-e2e-").FullName;
        var filePort = FreePort.Get();
        var envPort = FreePort.Get();
        var flagPort = FreePort.Get();
        var config = Path.Combine(directory, "custom.json");
        await File.WriteAllTextAsync(config, $$"""{ "Port": {{filePort}}, "Bind": "127.0.0.1", "Broker": { "MaximumKeepAlive": 45 } }""", ct);

        await using (var fromFile = StarlingProcess.Start(["serve", "--config", config]))
        {
            Assert.Contains($"127.0.0.1:{filePort}", await StarlingProcess.WaitUntilListeningAsync(fromFile, ct), StringComparison.Ordinal);
            await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", filePort, ct);
            await client.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "cfg", KeepAlive = 0 }, ct);
            Assert.Equal((ushort)45, (await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct)).ServerKeepAlive);
        }

        var env = new Dictionary<string, string> { ["STARLING_Port"] = envPort.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using (var fromEnv = StarlingProcess.Start(["serve", "--config", config], env))
        {
            Assert.Contains($":{envPort}", await StarlingProcess.WaitUntilListeningAsync(fromEnv, ct), StringComparison.Ordinal);
        }

        await using (var fromFlag = StarlingProcess.Start(["serve", "--config", config, "--port", flagPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], env))
        {
            Assert.Contains($":{flagPort}", await StarlingProcess.WaitUntilListeningAsync(fromFlag, ct), StringComparison.Ordinal);
        }

        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("false", "epoll")]
    [InlineData("true", "runtime sockets")]
    public async Task Serve_runs_on_the_socket_engine_asked_for(string runtimeSockets, string engine)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "The epoll engine is Linux only.");
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Get();
        var env = new Dictionary<string, string> { ["STARLING_RuntimeSockets"] = runtimeSockets };
        await using var serve = StarlingProcess.Start(["serve", "--in-memory", "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], env);
        Assert.Contains($"({engine})", await StarlingProcess.WaitUntilListeningAsync(serve, ct), StringComparison.Ordinal);
        await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
        await client.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, ClientId = "engine" }, ct);
        Assert.Equal(ReasonCode.Success, (await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct)).ReasonCode);
    }

    [Theory]
    [InlineData("STARLING_Broker__MaximumPacketSize", "lots", "Broker:MaximumPacketSize")]
    [InlineData("STARLING_Broker__ReceiveMaximum", "0", "Broker:ReceiveMaximum")]
    [InlineData("STARLING_Broker__NoSuchSetting", "1", "NoSuchSetting")]
    [InlineData("STARLING_Port", "70000", "Port")]
    [InlineData("STARLING_Bind", "not-an-address", "Bind")]
    [InlineData("STARLING_SocketThreads", "0", "SocketThreads")]
    [InlineData("STARLING_RuntimeSockets", "maybe", "RuntimeSockets")]
    [InlineData("STARLING_DeferAccept", "later", "DeferAccept")]
    public async Task An_invalid_setting_stops_start_up_with_a_message_naming_the_key(string variable, string value, string key)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = StarlingProcess.Start(["serve"], new Dictionary<string, string> { [variable] = value });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal(2, exitCode);
        var error = Assert.Single(process.StandardError, line => line.StartsWith("starling: invalid setting:", StringComparison.Ordinal));
        Assert.Contains(key, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_disconnects_v5_clients_with_server_shutting_down_and_exits_cleanly()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Get();
        await using var process = StarlingProcess.Start(["serve", "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await StarlingProcess.WaitUntilListeningAsync(process, ct);
        await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
        await client.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "logged-client", KeepAlive = 30 }, ct);
        await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct);

        // One Information line per connect: client id, remote address, protocol version.
        var connectLine = await process.WaitForLineAsync(l => l.Contains("logged-client connected", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);
        Assert.Contains("127.0.0.1:", connectLine, StringComparison.Ordinal);
        Assert.Contains("V500", connectLine, StringComparison.Ordinal);

        Assert.Equal(0, Kill(process.Id, 15)); // SIGTERM

        Assert.Equal(ReasonCode.ServerShuttingDown, (await client.ExpectAsync<DisconnectPacket>(cancellationToken: ct)).ReasonCode);
        await client.ExpectClosedAsync(cancellationToken: ct);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(15), ct));
        Assert.Contains(process.StandardOutput, l => l.Contains("logged-client disconnected", StringComparison.Ordinal) && l.Contains("server shutting down", StringComparison.Ordinal));
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
