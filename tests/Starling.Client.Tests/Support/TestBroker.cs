using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Starling.TestKit;

namespace Starling.Client.Tests.Support;

/// <summary>
/// A broker process on a fixed free loopback port that a test can kill or restart on the same port.
/// Mosquitto runs with persistence in a temp directory, so a graceful restart keeps sessions; Starling runs in that
/// directory too (in memory on this branch; with the durable store, its ./data is kept there).
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("starling-client-tests-").FullName;
    private ExternalProcess? _process;

    private TestBroker(BrokerKind kind, int port, string extraConfig)
    {
        Kind = kind;
        Port = port;
        ExtraConfig = extraConfig.Replace("{dir}", _directory, StringComparison.Ordinal);
    }

    public BrokerKind Kind { get; }

    public int Port { get; }

    /// <summary>Extra mosquitto configuration lines (TLS listeners, ...).</summary>
    public string ExtraConfig { get; }

    public string Directory => _directory;

    public Uri Uri => new($"mqtt://127.0.0.1:{Port}");

    public static async Task<TestBroker> StartAsync(BrokerKind kind, CancellationToken cancellationToken, string extraConfig = "",
        Func<string, Task>? prepare = null)
    {
        var broker = new TestBroker(kind, FreePort.Get(), extraConfig);
        if (prepare is not null)
        {
            await prepare(broker.Directory);
        }

        await broker.StartProcessAsync(cancellationToken);
        return broker;
    }

    /// <summary>SIGKILL: no DISCONNECT, no will suppression, no persistence write.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>SIGTERM and wait: mosquitto saves its persistence file on the way out.</summary>
    public async Task StopGracefullyAsync(CancellationToken cancellationToken)
    {
        if (_process is { } process)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(cancellationToken);
            }

            await process.WaitForExitAsync(TimeSpan.FromSeconds(20), cancellationToken);
            await process.DisposeAsync();
            _process = null;
        }
    }

    public Task StartAgainAsync(CancellationToken cancellationToken) => StartProcessAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var port = Port.ToString(CultureInfo.InvariantCulture);
        if (Kind == BrokerKind.Mosquitto)
        {
            // Started as root, mosquitto drops to its own user, which must be able to write the persistence file.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_directory, (UnixFileMode)0x1FF);
            }
            var config = Path.Combine(_directory, "mosquitto.conf");
            await File.WriteAllTextAsync(config,
                $"listener {port} 127.0.0.1\n{(ExtraConfig.Contains("allow_anonymous", StringComparison.Ordinal) ? "" : "allow_anonymous true")}\npersistence true\npersistence_location {_directory}/\nmax_queued_messages 10000\n{ExtraConfig}\n",
                cancellationToken);
            _process = ExternalProcess.Start(MosquittoBroker.Executable, ["-c", config]);
        }
        else
        {
            // Run in the broker's own directory, so that anything serve keeps relative to it (a durable store's
            // ./data) belongs to this broker alone and survives its restarts.
            _process = StarlingCli.Start(["serve", "--port", port, "--bind", "127.0.0.1"], workingDirectory: _directory);
        }

        // The port may linger for a moment after a kill; retry until the new process listens.
        await WaitFor.ConditionAsync(() => _process.HasExited || CanConnect(Port), TimeSpan.FromSeconds(30), $"{Kind} to listen on {Port}", cancellationToken);
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"{Kind} exited at start. {_process.Transcript()}");
        }
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
