using System.Globalization;
using Starling.TestKit;

namespace Starling.EndToEnd.Tests;

/// <summary>One real <c>starling serve</c> (in memory, on a free port) shared by the bench command tests.</summary>
public sealed class BenchBroker : IAsyncLifetime
{
    private ExternalProcess? _process;

    public int Port { get; } = FreePort.Get();

    /// <summary>The broker's process id, for <c>bench conn --broker-pid</c>.</summary>
    public int ProcessId => _process!.Id;

    public string PortText => Port.ToString(CultureInfo.InvariantCulture);

    public async ValueTask InitializeAsync()
    {
        _process = StarlingProcess.Start(["serve", "--bind", "127.0.0.1", "--port", PortText, "--in-memory"]);
        await StarlingProcess.WaitUntilListeningAsync(_process, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
