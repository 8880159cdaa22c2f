using System.IO.Pipelines;
using System.Net;

namespace Starling.Server.Sockets;

/// <summary>
/// One accepted TCP connection as the duplex pipe the broker serves: a <see cref="SocketReader"/> and a
/// <see cref="SocketWriter"/> over the same socket. The socket is closed once both sides are completed; <see cref="Abort"/>
/// ends it at once (and both sides with it).
/// </summary>
internal sealed class SocketConnection : IDuplexPipe
{
    private readonly TransportSocket _socket;
    private readonly SocketReader _reader;
    private readonly SocketWriter _writer;
    private readonly SocketListener _listener;
    private int _openSides = 2;

    public SocketConnection(TransportSocket socket, SocketListener listener)
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
    public EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    /// <summary>Ends the connection now: pending receives and sends fail, which ends both sides.</summary>
    public void Abort() => _socket.Abort();

    internal void OnReaderCompleted() => OnSideCompleted();

    internal void OnWriterCompleted() => OnSideCompleted();

    private void OnSideCompleted()
    {
        if (Interlocked.Decrement(ref _openSides) != 0)
        {
            return;
        }

        _socket.Close();
        _listener.OnConnectionEnded();
    }
}
