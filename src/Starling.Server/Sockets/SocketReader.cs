using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Starling.Server.Sockets;

/// <summary>
/// A <see cref="PipeReader"/> straight over a socket, with no <see cref="Pipe"/> and no receive loop in between: the
/// broker's read loop awaits the socket itself and resumes on the thread that saw the data arrive. An idle
/// connection holds no buffer: it waits for data without one (<see cref="TransportSocket.WaitReadable"/>), then takes
/// the data with non-blocking receives into a pooled buffer that goes back as soon as every byte was consumed.
/// </summary>
internal sealed class SocketReader : PipeReader, IValueTaskSource<ReadResult>
{
    /// <summary>Smallest receive buffer: a read takes up to this many bytes (many packets) in one system call.</summary>
    private const int ReceiveBufferSize = 8192;

    /// <summary>Below this much free space the buffer is compacted or grown before receiving.</summary>
    private const int MinimumFreeSpace = 1024;

    /// <summary>
    /// Reads in a row that received without waiting (a client sending faster than it is served). Then the reader
    /// lets the other sockets of its thread have their turn (<see cref="TransportSocket.YieldRead"/>) before it
    /// receives again: the read loop runs inline on the I/O thread, and one busy client must not starve the rest.
    /// </summary>
    private const int MaximumReadsWithoutWait = 16;

    private readonly TransportSocket _socket;
    private readonly SocketConnection _connection;
    private readonly object _gate; // this reader: the receive in progress, the waiting read and cancellation can meet on three threads

    // Guarded by _gate.
    private ManualResetValueTaskSourceCore<ReadResult> _waiter; // continuations run inline: no hop from the socket to the router
    private byte[]? _buffer;
    private int _start; // first unconsumed byte
    private int _end; // end of the received bytes
    private int _examined; // everything before this index was examined: a read waits for more
    private int _returnedStart; // _start when the last result was handed out
    private ReadOnlySequence<byte> _returned;
    private bool _dataReady; // data is (most likely) there: receive without waiting first
    private bool _receiving; // a wait for data is pending
    private int _readsWithoutWait;
    private bool _waiting;
    private bool _cancelRequested;
    private bool _endOfStream;
    private bool _completed;
    private SocketException? _error;
    private CancellationTokenRegistration _cancellation; // of a caller's token, for one read until its result is consumed

    public SocketReader(TransportSocket socket, SocketConnection connection)
    {
        _gate = this;
        _socket = socket;
        _connection = connection;
        socket.Attach(this);

        // The first receive is tried at once: a client sends CONNECT as soon as it is connected, so it is often
        // there when the connection is accepted, and needs no wait.
        _dataReady = true;
    }

    /// <inheritdoc />
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        _cancellation.Dispose();
        if (cancellationToken.CanBeCanceled)
        {
            // The broker never passes a token; honoured for any other caller, until the result is consumed.
            cancellationToken.ThrowIfCancellationRequested();
            _cancellation = cancellationToken.UnsafeRegister(static state => ((SocketReader)state!).CancelPendingRead(), this);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            var taken = TryTakeResultLocked(out var result);
            if (!taken && !_receiving)
            {
                if (++_readsWithoutWait > MaximumReadsWithoutWait)
                {
                    _receiving = true; // ended by OnReadable, after the thread's other sockets
                    _socket.YieldRead();
                }
                else
                {
                    ReceiveLocked();
                    taken = TryTakeResultLocked(out result);
                }
            }

            if (!taken)
            {
                _waiter.Reset();
                _waiting = true;
                return new ValueTask<ReadResult>(this, _waiter.Version);
            }

            return _error is { } error ? ValueTask.FromException<ReadResult>(error) : new ValueTask<ReadResult>(result);
        }
    }

    /// <inheritdoc />
    public override bool TryRead(out ReadResult result)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            if (!TryTakeResultLocked(out result))
            {
                return false;
            }

            if (_error is { } error)
            {
                throw error;
            }

            return true;
        }
    }

    /// <inheritdoc />
    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    /// <inheritdoc />
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // Offsets from the start of the handed-out bytes (GetOffset would give the index in the array instead).
        _cancellation.Dispose();
        var consumedOffset = _returned.IsEmpty ? 0 : (int)_returned.Slice(_returned.Start, consumed).Length;
        var examinedOffset = _returned.IsEmpty ? 0 : (int)_returned.Slice(_returned.Start, examined).Length;
        lock (_gate)
        {
            _start = _returnedStart + consumedOffset;
            _examined = _returnedStart + examinedOffset;
            _returned = default;
            if (_start == _end)
            {
                // Everything consumed: an idle connection keeps no buffer.
                ReleaseBufferLocked();
            }
        }
    }

    /// <inheritdoc />
    public override void CancelPendingRead()
    {
        bool deliver;
        ReadResult result;
        lock (_gate)
        {
            deliver = _waiting;
            _waiting = false;
            _cancelRequested = !deliver;
            result = new ReadResult(default, isCanceled: true, isCompleted: false);
        }

        if (deliver)
        {
            _waiter.SetResult(result);
        }
    }

    /// <inheritdoc />
    public override void Complete(Exception? exception = null)
    {
        _cancellation.Dispose();
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            ReleaseBufferLocked();
        }

        _connection.OnReaderCompleted();
    }

    /// <summary>A new result when there is one: unexamined bytes, the end of the stream, an error or a cancellation.</summary>
    private bool TryTakeResultLocked(out ReadResult result)
    {
        if (_cancelRequested)
        {
            _cancelRequested = false;
            result = new ReadResult(default, isCanceled: true, isCompleted: false);
            return true;
        }

        if (_end > _examined || _endOfStream || _error is not null)
        {
            _returned = _buffer is null ? default : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
            _returnedStart = _start;
            result = new ReadResult(_returned, isCanceled: false, isCompleted: _endOfStream);
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>
    /// Receives until new bytes, the end of the stream or an error arrived, or a wait for data is pending. Bytes are
    /// taken with non-blocking receives straight into the buffer; waiting for data holds no buffer.
    /// </summary>
    private void ReceiveLocked()
    {
        while (!_receiving && !_endOfStream && _error is null)
        {
            if (_dataReady || _buffer is not null)
            {
                EnsureSpaceLocked();
                var free = _buffer!.Length - _end;
                var received = _socket.Receive(_buffer, _end, free, out var error);
                if (error == SocketError.Success)
                {
                    _endOfStream = received == 0;
                    _end += received;

                    // A receive that filled all the space it had most likely left more behind: the next one skips the wait.
                    _dataReady = received == free;
                    return;
                }

                _dataReady = false;
                if (error != SocketError.WouldBlock)
                {
                    _error = new SocketException((int)error);
                    return;
                }

                if (_start == _end)
                {
                    ReleaseBufferLocked();
                }
            }

            _receiving = _socket.WaitReadable(out var waitError);
            if (!_receiving)
            {
                OnWaitEndedLocked(waitError);
            }
        }
    }

    private void OnWaitEndedLocked(SocketError error)
    {
        if (error != SocketError.Success)
        {
            _error ??= new SocketException((int)error);
            return;
        }

        _dataReady = true;
    }

    /// <summary>
    /// Data, the end of the stream or an error is there (<paramref name="error"/> when the wait itself failed). Ends
    /// a pending wait and hands a waiting read its result, on the calling thread; with no wait pending, the next read
    /// receives without waiting first.
    /// </summary>
    internal void OnReadable(SocketError error)
    {
        bool deliver;
        ReadResult result = default;
        SocketException? failure = null;
        lock (_gate)
        {
            OnWaitEndedLocked(error);
            if (!_receiving || _completed)
            {
                return;
            }

            _receiving = false;
            _readsWithoutWait = 0;
            if (_waiting)
            {
                ReceiveLocked();
            }

            deliver = _waiting && TryTakeResultLocked(out result);
            if (deliver)
            {
                _waiting = false;
                failure = _error;
            }
        }

        if (!deliver)
        {
            return;
        }

        if (failure is not null)
        {
            _waiter.SetException(failure);
        }
        else
        {
            _waiter.SetResult(result);
        }
    }

    /// <summary>Makes room to receive: a buffer from the pool, the unconsumed bytes moved to the front, or a larger buffer.</summary>
    private void EnsureSpaceLocked()
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
            _start = _end = _examined = 0;
            return;
        }

        if (_buffer.Length - _end >= MinimumFreeSpace)
        {
            return;
        }

        var used = _end - _start;
        if (used <= _buffer.Length / 2)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, used);
        }
        else
        {
            // A packet larger than the buffer: grow (the broker's Maximum Packet Size bounds it).
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, _start, larger, 0, used);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        _examined -= _start;
        _end = used;
        _start = 0;
    }

    private void ReleaseBufferLocked()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _start = _end = _examined = 0;
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);
}
