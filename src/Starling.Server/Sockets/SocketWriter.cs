using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Starling.Server.Sockets;

/// <summary>
/// A <see cref="PipeWriter"/> straight over a socket: the broker's writer encodes a batch of packets into one pooled
/// buffer and <see cref="FlushAsync"/> sends it with one non-blocking system call, on the writer's own thread (no
/// send loop and no pipe between them). The buffer goes back to the pool after each flush, so an idle connection
/// holds none. Used by one writer at a time, as a pipe writer is. The socket must be in non-blocking mode.
/// </summary>
internal sealed class SocketWriter : PipeWriter
{
    private const int MinimumBufferSize = 4096;

    private readonly Socket _socket;
    private readonly SocketConnection _connection;
    private byte[]? _buffer;
    private int _written;
    private bool _completed;

    public SocketWriter(Socket socket, SocketConnection connection)
    {
        _socket = socket;
        _connection = connection;
    }

    /// <inheritdoc />
    public override bool CanGetUnflushedBytes => true;

    /// <inheritdoc />
    public override long UnflushedBytes => _written;

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
        var sent = 0;
        while (sent < _written)
        {
            int count;
            SocketError error;
            try
            {
                count = _socket.Send(_buffer!, sent, _written - sent, SocketFlags.None, out error);
            }
            catch (ObjectDisposedException)
            {
                (count, error) = (0, SocketError.OperationAborted);
            }

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
    /// The socket's send buffer is full (the peer reads slowly): the rest goes with an asynchronous send, the only
    /// one a connection makes (its operation is allocated on first use, so a connection that never fills its send
    /// buffer never has one).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendWhenWritableAsync(int sent, CancellationToken cancellationToken)
    {
        while (sent < _written)
        {
            sent += await _socket.SendAsync(_buffer.AsMemory(sent, _written - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
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
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, MinimumBufferSize));
            return;
        }

        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        // A batch larger than the buffer: grow it (the broker's outbound bounds limit how far).
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        Buffer.BlockCopy(_buffer, 0, larger, 0, _written);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private void ReleaseBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _written = 0;
    }
}
