using System.Threading.Tasks.Sources;

namespace Starling.Cli.Bench;

/// <summary>
/// A counter of permits with one consumer that may wait for the next permit without allocating (a reusable
/// <see cref="IValueTaskSource"/>), and any number of producers. Bounds what a publisher has in flight: the QoS window
/// and the end-to-end window. <see cref="SemaphoreSlim.WaitAsync()"/> would allocate a task per wait, and at maximum
/// rate the publisher waits once per batch.
/// </summary>
internal sealed class CreditGate : IValueTaskSource
{
    private long _credits;
    private int _waiting;
    private volatile bool _closed;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    public CreditGate(long credits) => _credits = credits;

    /// <summary>Permits available now (never negative: only the consumer takes).</summary>
    public long Available => Interlocked.Read(ref _credits);

    /// <summary>True once <see cref="Close"/> was called: waits return at once.</summary>
    public bool IsClosed => _closed;

    /// <summary>Takes <paramref name="count"/> permits; the caller, the only consumer, saw them in <see cref="Available"/>.</summary>
    public void Take(long count) => Interlocked.Add(ref _credits, -count);

    /// <summary>Returns permits and wakes the consumer if it waits.</summary>
    public void Release(long count = 1)
    {
        Interlocked.Add(ref _credits, count);
        Wake();
    }

    /// <summary>Ends every present and future wait (the run is stopping).</summary>
    public void Close()
    {
        _closed = true;
        Wake();
    }

    /// <summary>Completes when at least one permit is available or the gate is closed. One caller at a time.</summary>
    public ValueTask WaitAsync()
    {
        if (Available > 0 || _closed)
        {
            return ValueTask.CompletedTask;
        }

        _core.Reset();
        Volatile.Write(ref _waiting, 1);

        // A producer may have released between the check above and the flag: look again, and take the wake-up back
        // if no producer has claimed it (if one has, it completes the source and the await returns at once).
        if ((Available > 0 || _closed) && Interlocked.Exchange(ref _waiting, 0) == 1)
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(this, _core.Version);
    }

    private void Wake()
    {
        if (Volatile.Read(ref _waiting) == 1 && Interlocked.Exchange(ref _waiting, 0) == 1)
        {
            _core.SetResult(true);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
