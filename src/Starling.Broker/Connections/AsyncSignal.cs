using System.Threading.Tasks.Sources;

namespace Starling.Broker.Connections;

/// <summary>
/// An allocation-free auto-reset signal with one waiter: the connection's writer waits on it, producers set it once
/// per batch. The waiter resumes on the thread pool, never inline on a producer's thread.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Signaled = 2;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _state;

    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return default;
        }

        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Signaled)
        {
            Volatile.Write(ref _state, Idle);
            return default;
        }

        return new ValueTask(this, _core.Version);
    }

    public void Set()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Signaled)
            {
                return;
            }

            if (state == Idle)
            {
                if (Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle)
                {
                    return;
                }
            }
            else if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            {
                _core.SetResult(true);
                return;
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
