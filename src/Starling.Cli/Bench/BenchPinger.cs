namespace Starling.Cli.Bench;

/// <summary>
/// Sends PINGREQ on every registered connection each half keep-alive, so that quiet ones (idle clients, QoS 0
/// subscribers) are not dropped by the broker during a long run. One loop for all connections, not a timer each.
/// </summary>
internal sealed class BenchPinger : IAsyncDisposable
{
    private readonly List<BenchConnection> _connections = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public BenchPinger(ushort keepAliveSeconds) =>
        _loop = keepAliveSeconds == 0 ? Task.CompletedTask : RunAsync(TimeSpan.FromSeconds(keepAliveSeconds / 2.0));

    public void Add(BenchConnection connection)
    {
        lock (_gate)
        {
            _connections.Add(connection);
        }
    }

    private async Task RunAsync(TimeSpan period)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                BenchConnection[] connections;
                lock (_gate)
                {
                    connections = [.. _connections];
                }

                foreach (var connection in connections)
                {
                    await connection.PingAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
