using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using static Starling.Server.Sockets.Epoll.LinuxSockets;

namespace Starling.Server.Sockets.Epoll;

/// <summary>
/// A connection on Starling's epoll loop: a bare file descriptor registered once, edge-triggered, for input and
/// output. An idle connection costs this object and its registration, with no operation pending; the loop tells the
/// reader when data arrives and wakes a writer that found the socket full. The descriptor is closed only when both
/// sides are done (<see cref="Close"/>); <see cref="Abort"/> shuts it down, which ends both sides through the
/// events it raises, so no call ever reaches a descriptor number that was closed and handed out again.
/// </summary>
internal sealed class EpollSocket : TransportSocket, IEpollHandler, IValueTaskSource<bool>
{
    private const uint Events = EpollIn | EpollOut | EpollRdHup | EpollEt;

    private readonly EpollLoop _loop;
    private readonly EndPoint? _remote;
    private readonly object _gate; // this socket: the writer's wait, the loop's events, abort and close
    private ManualResetValueTaskSourceCore<bool> _writable = new() { RunContinuationsAsynchronously = true };
    private int _writableEvents; // output events seen: a send that found the socket full waits only if none came since
    private bool _writerWaiting;
    private bool _shutDown;
    private bool _closed;

    private EpollSocket(int fd, EpollLoop loop, EndPoint? remote)
    {
        _gate = this;
        Fd = fd;
        _loop = loop;
        _remote = remote;
    }

    /// <inheritdoc />
    public int Fd { get; }

    /// <inheritdoc />
    public uint Generation { get; set; }

    /// <inheritdoc />
    public override EndPoint? RemoteEndPoint => _remote;

    /// <summary>
    /// Takes an accepted descriptor (Nagle already off: inherited from the listening socket) and registers it with
    /// <paramref name="loop"/>. On failure the descriptor is closed and null returned with the error.
    /// </summary>
    public static EpollSocket? Open(int fd, EpollLoop loop, EndPoint? remote, out SocketError error)
    {
        var socket = new EpollSocket(fd, loop, remote);
        try
        {
            loop.Register(socket, Events);
        }
        catch (SocketException e)
        {
            error = e.SocketErrorCode;
            _ = LinuxSockets.Close(fd);
            return null;
        }

        error = SocketError.Success;
        return socket;
    }

    /// <inheritdoc />
    public override unsafe int Receive(byte[] buffer, int offset, int count, out SocketError error)
    {
        var span = buffer.AsSpan(offset, count);
        nint received;
        fixed (byte* bytes = span)
        {
            do
            {
                received = LinuxSockets.Receive(Fd, bytes, (nuint)span.Length, 0);
            }
            while (received < 0 && LastErrno == EINTR);
        }

        return Outcome(received, out error);
    }

    /// <inheritdoc />
    public override int Send(byte[] buffer, int offset, int count, out SocketError error) =>
        Send(buffer.AsSpan(offset, count), out error);

    /// <inheritdoc />
    public override bool WaitReadable(out SocketError error)
    {
        // Edge-triggered: the receive that found nothing drained the socket, so the next arrival raises an event,
        // and the loop reports it to the reader (which holds its lock here, so the event cannot slip in between).
        error = SocketError.Success;
        return true;
    }

    /// <inheritdoc />
    public override void YieldRead() => _loop.Requeue(this);

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> SendWhenWritableAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int seen;
            lock (_gate)
            {
                seen = _writableEvents;
            }

            var sent = Send(bytes.Span, out var error);
            if (error == SocketError.Success)
            {
                return sent;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            bool wait;
            lock (_gate)
            {
                wait = seen == _writableEvents;
                if (wait)
                {
                    _writable.Reset();
                    _writerWaiting = true;
                }
            }

            if (wait)
            {
                await new ValueTask<bool>(this, _writable.Version).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public void OnEvents(uint events)
    {
        if ((events & (EpollIn | EpollRdHup | EpollHup | EpollErr)) != 0)
        {
            Reader?.OnReadable(SocketError.Success); // the receive that follows reports the end or the error
        }

        if ((events & (EpollOut | EpollHup | EpollErr)) != 0)
        {
            bool wake;
            lock (_gate)
            {
                _writableEvents++;
                wake = _writerWaiting;
                _writerWaiting = false;
            }

            if (wake)
            {
                _writable.SetResult(true); // on the thread pool: a slow consumer's writer does not run on the loop
            }
        }
    }

    /// <inheritdoc />
    public override void Abort()
    {
        lock (_gate)
        {
            if (_shutDown || _closed)
            {
                return;
            }

            _shutDown = true;
            _ = Shutdown(Fd, ShutRdwr); // raises the events that end a pending read and a pending send
        }
    }

    /// <inheritdoc />
    public override void Close()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _loop.Forget(this);
            if (!_shutDown)
            {
                // Everything written goes before the FIN (unless unread bytes are left: then the kernel resets).
                _ = Shutdown(Fd, ShutRdwr);
            }

            _ = LinuxSockets.Close(Fd);
        }
    }

    private unsafe int Send(ReadOnlySpan<byte> bytes, out SocketError error)
    {
        nint sent;
        fixed (byte* pointer = bytes)
        {
            do
            {
                sent = LinuxSockets.Send(Fd, pointer, (nuint)bytes.Length, MsgNosignal);
            }
            while (sent < 0 && LastErrno == EINTR);
        }

        return Outcome(sent, out error);
    }

    private static int Outcome(nint result, out SocketError error)
    {
        if (result >= 0)
        {
            error = SocketError.Success;
            return (int)result;
        }

        error = Error(LastErrno);
        return 0;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _writable.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _writable.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _writable.OnCompleted(continuation, state, token, flags);
}
