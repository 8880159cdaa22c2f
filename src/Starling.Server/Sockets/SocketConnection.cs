using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Starling.Server.Sockets;

/// <summary>
/// One accepted TCP connection as the duplex pipe the broker serves: a <see cref="SocketReader"/> and a
/// <see cref="SocketWriter"/> over the same socket. The socket is closed once both sides are completed, or at once by
/// <see cref="Abort"/>.
/// </summary>
internal sealed class SocketConnection : IDuplexPipe
{
    private readonly Socket _socket;
    private readonly SocketReader _reader;
    private readonly SocketWriter _writer;
    private readonly SocketListener _listener;
    private int _openSides = 2;

    public SocketConnection(Socket socket, SocketListener listener)
    {
        _socket = socket;
        _listener = listener;
        _reader = new SocketReader(socket, this);
        _writer = new SocketWriter(socket, this);
    }

    /// <inheritdoc />
    public PipeReader Input => _reader;

    /// <inheritdoc />
    public PipeWriter Output => _writer;

    /// <summary>The client's address, or null when the socket no longer knows it.</summary>
    public EndPoint? RemoteEndPoint
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

    /// <summary>Closes the socket now: pending receives and sends fail, which ends both sides.</summary>
    public void Abort() => _socket.Dispose();

    internal void OnReaderCompleted() => OnSideCompleted();

    internal void OnWriterCompleted() => OnSideCompleted();

    private void OnSideCompleted()
    {
        if (Interlocked.Decrement(ref _openSides) != 0)
        {
            return;
        }

        try
        {
            // Everything written is sent before the close (FIN, not RST).
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer or aborted.
        }

        _socket.Dispose();
        _listener.OnConnectionEnded();
    }
}
