namespace Starling.Cli.Bench;

/// <summary>Opens the load connections of <c>bench pub</c> and <c>bench sub</c>, many at a time.</summary>
internal static class BenchClients
{
    private const int Concurrency = 100;

    /// <summary>Opens <paramref name="count"/> connections with <paramref name="open"/>(slot); any failure fails the whole (closing those opened).</summary>
    public static async Task<BenchConnection[]> OpenAllAsync(int count, Func<int, CancellationToken, Task<BenchConnection>> open, CancellationToken cancellationToken)
    {
        var connections = new BenchConnection[count];
        try
        {
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
                async (slot, token) => connections[slot] = await open(slot, token).ConfigureAwait(false)).ConfigureAwait(false);
            return connections;
        }
        catch
        {
            await CloseAllAsync(connections).ConfigureAwait(false);
            throw;
        }
    }

    public static async Task CloseAllAsync(BenchConnection?[] connections) =>
        await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (connection, _) =>
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
}
