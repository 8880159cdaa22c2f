using System.Net;
using System.Net.Sockets;

namespace Starling.Server.Sockets;

/// <summary>
/// One connected TCP socket as <see cref="SocketReader"/> and <see cref="SocketWriter"/> use it: non-blocking receive
/// and send, a wait until data is there (reported to the reader), and a send that waits until the socket takes bytes.
/// Two engines implement it: the runtime's sockets (<see cref="ManagedSocket"/>, any OS) and Starling's own epoll
/// loop (<see cref="Epoll.EpollSocket"/>, Linux).
/// </summary>
internal abstract class TransportSocket
{
    /// <summary>The reader told when a wait ends; set once, before the first receive.</summary>
    protected SocketReader? Reader { get; private set; }

    public void Attach(SocketReader reader) => Reader = reader;

    /// <summary>The client's address, or null when the socket no longer knows it.</summary>
    public abstract EndPoint? RemoteEndPoint { get; }

    /// <summary>Receives what is there without waiting; <see cref="SocketError.WouldBlock"/> when nothing is.</summary>
    public abstract int Receive(byte[] buffer, int offset, int count, out SocketError error);

    /// <summary>Sends what the socket takes without waiting; <see cref="SocketError.WouldBlock"/> when it takes nothing.</summary>
    public abstract int Send(byte[] buffer, int offset, int count, out SocketError error);

    /// <summary>
    /// Starts waiting until data, the end of the stream or an error is there, and calls
    /// <see cref="SocketReader.OnReadable"/> when it is. False when the wait ended at once, with its outcome in
    /// <paramref name="error"/>. Called under the reader's lock, right after a receive found nothing.
    /// </summary>
    public abstract bool WaitReadable(out SocketError error);

    /// <summary>
    /// Calls <see cref="SocketReader.OnReadable"/> soon, but after the other sockets served by the calling thread had
    /// their turn (the reader has been receiving without waiting for a while).
    /// </summary>
    public abstract void YieldRead();

    /// <summary>Waits until the socket takes bytes, and sends some of <paramref name="bytes"/> (at least one).</summary>
    public abstract ValueTask<int> SendWhenWritableAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>Ends the connection now: waits end and later calls fail. The socket is released by <see cref="Close"/>.</summary>
    public abstract void Abort();

    /// <summary>Sends the FIN after everything written and releases the socket; called once, when both sides are done.</summary>
    public abstract void Close();
}
