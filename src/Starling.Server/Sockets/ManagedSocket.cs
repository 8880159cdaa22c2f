using System.Net;
using System.Net.Sockets;

namespace Starling.Server.Sockets;

/// <summary>
/// A connection on the runtime's <see cref="Socket"/>: the wait for data is a zero-byte receive, the only operation
/// pending while the connection is idle (it holds no buffer), reused for every wait.
/// </summary>
#pragma warning disable CA1001 // _wait is disposed by Close, which every connection reaches once both sides are done.
internal sealed class ManagedSocket : TransportSocket
#pragma warning restore CA1001
{
    private readonly Socket _socket;
    private readonly WaitArgs _wait;

    public ManagedSocket(Socket socket)
    {
        _socket = socket;
        _wait = new WaitArgs(this);
    }

    /// <inheritdoc />
    public override EndPoint? RemoteEndPoint
    {
        get
        {
            try
            {
                return _socket.RemoteEndPoint;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return null;
            }
        }
    }

    /// <inheritdoc />
    public override int Receive(byte[] buffer, int offset, int count, out SocketError error)
    {
        try
        {
            return _socket.Receive(buffer, offset, count, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.OperationAborted;
            return 0;
        }
    }

    /// <inheritdoc />
    public override int Send(byte[] buffer, int offset, int count, out SocketError error)
    {
        try
        {
            return _socket.Send(buffer, offset, count, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.OperationAborted;
            return 0;
        }
    }

    /// <inheritdoc />
    public override bool WaitReadable(out SocketError error)
    {
        _wait.SetBuffer(Memory<byte>.Empty);
        try
        {
            if (_socket.ReceiveAsync(_wait))
            {
                error = SocketError.Success;
                return true;
            }
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.OperationAborted;
            return false;
        }

        error = _wait.SocketError;
        return false;
    }

    /// <inheritdoc />
    public override void YieldRead() =>
        ThreadPool.UnsafeQueueUserWorkItem(static socket => socket.Reader!.OnReadable(SocketError.Success), this, preferLocal: false);

    /// <inheritdoc />
    public override ValueTask<int> SendWhenWritableAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);

    /// <inheritdoc />
    public override void Abort() => _socket.Dispose();

    /// <inheritdoc />
    public override void Close()
    {
        try
        {
            // Everything written goes before the FIN (unless unread bytes are left: then the kernel resets).
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer or aborted.
        }

        _socket.Dispose();
        _wait.Dispose(); // a wait still pending disposes it when it ends (the socket's close ends it)
    }

    /// <summary>The zero-byte receive, reused for every wait of the connection.</summary>
    private sealed class WaitArgs(ManagedSocket owner) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
    {
        protected override void OnCompleted(SocketAsyncEventArgs e) => owner.Reader!.OnReadable(e.SocketError);
    }
}
