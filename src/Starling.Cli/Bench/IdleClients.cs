using System.Diagnostics;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>
/// Many connections that stay open and quiet (<c>bench conn</c>, <c>bench run --idle</c>): opened with a bounded number
/// of connects in flight, each optionally subscribed to its own topic, each with a small read buffer and a read loop
/// that notices when the broker drops it.
/// </summary>
internal sealed class IdleClients : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private readonly BenchTarget _target;
    private readonly BenchPinger _pinger;
    private readonly BenchConnection?[] _connections;
    private readonly Task[] _readLoops;
    private int _next = -1;
    private int _connected;
    private int _failed;
    private long _firstStart;
    private long _lastConnAck;

    public IdleClients(BenchTarget target, int count, BenchPinger pinger)
    {
        _target = target;
        _pinger = pinger;
        _connections = new BenchConnection?[count];
        _readLoops = new Task[count];
    }

    public int Count => _connections.Length;

    public int Connected => Volatile.Read(ref _connected);

    public int Failed => Volatile.Read(ref _failed);

    public string? FirstError { get; private set; }

    /// <summary>From the start of the first connect to the last CONNACK (or SUBACK with a subscription).</summary>
    public double ConnectSeconds => _lastConnAck <= _firstStart ? 0 : (_lastConnAck - _firstStart) / (double)Stopwatch.Frequency;

    /// <summary>Connections the broker closed or reset while they were held.</summary>
    public int Dropped => _connections.Count(c => c?.DropReason is not null);

    public string? FirstDropReason => _connections.FirstOrDefault(c => c?.DropReason is not null)?.DropReason;

    /// <summary>Opens every connection; failures are counted, not thrown.</summary>
    /// <param name="concurrency">Connection attempts in flight at once.</param>
    /// <param name="idPrefix">Client ids are the prefix, a dash and the client index.</param>
    /// <param name="firstIndex">The index of the first client (for %i and the client id).</param>
    /// <param name="topicPattern">Each client subscribes to this pattern expanded for it, at QoS 0; null for none.</param>
    /// <param name="cancellationToken">Stops opening more.</param>
    public async Task OpenAsync(int concurrency, string idPrefix, int firstIndex, string? topicPattern, CancellationToken cancellationToken)
    {
        _firstStart = Stopwatch.GetTimestamp();
        var workers = new Task[Math.Clamp(concurrency, 1, Math.Max(1, Count))];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(() => ConnectWorkerAsync(idPrefix, firstIndex, topicPattern, cancellationToken), cancellationToken);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task ConnectWorkerAsync(string idPrefix, int firstIndex, string? topicPattern, CancellationToken cancellationToken)
    {
        int slot;
        while ((slot = Interlocked.Increment(ref _next)) < Count && !cancellationToken.IsCancellationRequested)
        {
            var index = firstIndex + slot;
            var clientId = $"{idPrefix}-{index}";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            BenchConnection? connection = null;
            try
            {
                connection = await _target.ConnectAsync(clientId, BenchConnection.IdleBufferSize, timeout.Token).ConfigureAwait(false);
                if (topicPattern is not null)
                {
                    await connection.SubscribeAsync(TopicPattern.Expand(topicPattern, index, clientId), QualityOfService.AtMostOnce, timeout.Token).ConfigureAwait(false);
                }

                _connections[slot] = connection;
                _readLoops[slot] = connection.ReadLoopAsync(QuietHandler.Instance);
                _pinger.Add(connection);
                Interlocked.Increment(ref _connected);
                InterlockedMax(ref _lastConnAck, Stopwatch.GetTimestamp());
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException or InvalidDataException or OperationCanceledException)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }

                if (Interlocked.Increment(ref _failed) == 1)
                {
                    FirstError = $"{clientId}: {(e is OperationCanceledException ? "timed out" : e.Message)}";
                }
            }
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Closes every connection (DISCONNECT first), many at a time.</summary>
    public async ValueTask DisposeAsync()
    {
        await BenchClients.CloseAllAsync(_connections).ConfigureAwait(false);
        await Task.WhenAll(_readLoops.Where(t => t is not null)).ConfigureAwait(false);
    }

    /// <summary>An idle connection receives PINGRESP and nothing it must answer (its subscription is QoS 0).</summary>
    private sealed class QuietHandler : IBenchPacketHandler
    {
        public static readonly QuietHandler Instance = new();

        public void OnPublish(in BenchPublish publish)
        {
        }

        public void OnAck(in AckPacket ack)
        {
        }

        public void OnOther(IMqttPacket packet)
        {
        }

        public ValueTask AfterBatchAsync(BenchConnection connection) => ValueTask.CompletedTask;
    }
}
