using System.Buffers;
using System.IO.Pipelines;
using System.Numerics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Starling.Server.Sockets;

/// <summary>
/// A <see cref="PipeWriter"/> straight over a socket: the broker's writer encodes a batch of packets into one pooled
/// buffer and <see cref="FlushAsync"/> sends it with one non-blocking system call, on the writer's own thread (no
/// send loop and no pipe between them). The buffer goes back to the pool after each flush, so an idle connection
/// holds none. A batch larger than <see cref="SendThroughSize"/> is sent as the buffer fills, so a busy connection
/// keeps reusing one buffer of that size instead of growing a chain of ever larger ones (the pool would keep them
/// all). Used by one writer at a time, as a pipe writer is. The socket must be in non-blocking mode.
/// </summary>
internal sealed class SocketWriter : PipeWriter
{
    private const int MinimumBufferSize = 4096;

    /// <summary>Past this many buffered bytes, bytes go to the socket before the flush when it takes them.</summary>
    private const int SendThroughSize = 64 * 1024;

    private readonly TransportSocket _socket;
    private readonly SocketConnection _connection;
    private byte[]? _buffer;
    private int _written;
    private int _preferredSize = MinimumBufferSize; // what the last flush needed: rent that at once next time
    private long _sentEarly; // bytes of the current flush already sent by SendEarly
    private SocketError _sendError; // an early send failed: the flush reports it
    private bool _completed;

    public SocketWriter(TransportSocket socket, SocketConnection connection)
    {
        _socket = socket;
        _connection = connection;
    }

    /// <inheritdoc />
    public override bool CanGetUnflushedBytes => true;

    /// <inheritdoc />
    public override long UnflushedBytes => _written + _sentEarly; // sent early or not, all of it is this flush's

    /// <inheritdoc />
    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureSpace(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureSpace(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <inheritdoc />
    public override void Advance(int bytes)
    {
        if (bytes < 0 || _buffer is null || _written + bytes > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the memory handed out.");
        }

        _written += bytes;
    }

    /// <inheritdoc />
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_sendError != SocketError.Success)
        {
            ReleaseBuffer();
            return ValueTask.FromException<FlushResult>(new SocketException((int)_sendError));
        }

        var sent = 0;
        while (sent < _written)
        {
            var count = _socket.Send(_buffer!, sent, _written - sent, out var error);

            if (error == SocketError.WouldBlock)
            {
                return SendWhenWritableAsync(sent, cancellationToken);
            }

            if (error != SocketError.Success)
            {
                return ValueTask.FromException<FlushResult>(new SocketException((int)error));
            }

            sent += count;
        }

        ReleaseBuffer();
        return new ValueTask<FlushResult>(default(FlushResult));
    }

    /// <summary>
    /// The socket's send buffer is full (the peer reads slowly): the rest goes when the socket takes it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendWhenWritableAsync(int sent, CancellationToken cancellationToken)
    {
        while (sent < _written)
        {
            sent += await _socket.SendWhenWritableAsync(_buffer.AsMemory(sent, _written - sent), cancellationToken).ConfigureAwait(false);
        }

        ReleaseBuffer();
        return default;
    }

    /// <summary>A flush that cannot finish (the peer stopped reading) is ended by closing the connection.</summary>
    public override void CancelPendingFlush() => _connection.Abort();

    /// <inheritdoc />
    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        ReleaseBuffer(); // the broker completes its writer only after its last flush ended
        _connection.OnWriterCompleted();
    }

    private void EnsureSpace(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, _preferredSize));
            return;
        }

        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        if (_buffer.Length >= SendThroughSize && SendEarly() && _buffer.Length - _written >= sizeHint)
        {
            return;
        }

        // A batch larger than the buffer and a socket that takes no more now: grow it (the broker's outbound bounds,
        // and the chunks it flushes in, limit how far).
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        Buffer.BlockCopy(_buffer, 0, larger, 0, _written);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    /// <summary>
    /// Sends what the buffer holds without waiting and moves any rest to its front; false when nothing could be sent
    /// (the socket buffer is full). A failed send drops the bytes (the connection is lost) and is reported by the flush.
    /// </summary>
    private bool SendEarly()
    {
        if (_sendError != SocketError.Success)
        {
            _written = 0; // the connection is lost: nothing buffered will ever be sent
            return true;
        }

        var count = _socket.Send(_buffer!, 0, _written, out var error);

        if (error == SocketError.WouldBlock)
        {
            return false;
        }

        if (error != SocketError.Success)
        {
            _sendError = error;
            _written = 0;
            return true;
        }

        Buffer.BlockCopy(_buffer!, count, _buffer!, 0, _written - count);
        _written -= count;
        _sentEarly += count;
        return count > 0;
    }

    private void ReleaseBuffer()
    {
        if (_buffer is not null)
        {
            var flushed = (ulong)Math.Max(_sentEarly + _written, 1);
            _preferredSize = (int)Math.Clamp(BitOperations.RoundUpToPowerOf2(flushed), MinimumBufferSize, SendThroughSize);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _written = 0;
        _sentEarly = 0;
    }
}
