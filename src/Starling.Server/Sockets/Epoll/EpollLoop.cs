using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using static Starling.Server.Sockets.Epoll.LinuxSockets;

namespace Starling.Server.Sockets.Epoll;

/// <summary>Something registered with an <see cref="EpollLoop"/>: told on the loop's thread what its file descriptor is ready for.</summary>
internal interface IEpollHandler
{
    int Fd { get; }

    /// <summary>Set by the loop when registered: events of an earlier owner of the same descriptor number are ignored.</summary>
    uint Generation { get; set; }

    void OnEvents(uint events);
}

/// <summary>
/// One thread waiting in epoll_wait for the sockets registered with it, and running their handlers, many ready
/// sockets per system call. Handlers run inline: a socket's data goes to the broker's read loop (decode, route, and
/// the writes that the batch woke) on this thread, with no hop. Work from other threads is posted through an eventfd.
/// </summary>
internal sealed unsafe partial class EpollLoop : IDisposable
{
    private const int MaximumEvents = 256;
    private const ulong WakeData = ulong.MaxValue;

    private readonly ILogger _logger;
    private readonly int _epoll;
    private readonly int _wakeFd;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly ConcurrentQueue<IEpollHandler> _requeued = new(); // readers that yielded: told after the next batch
    private readonly Lock _wakeLock = new(); // the eventfd is written under it, and closed under it
    private bool _ended; // under _wakeLock: the thread has ended and closed its descriptors
    private int _threadId;
    private readonly Lock _handlersLock = new();
    private IEpollHandler?[] _handlers = new IEpollHandler?[1024]; // by descriptor number; read by the loop without the lock
    private int _generation;
    private bool _stopping; // set on the loop's own thread
    private int _disposed;

    public EpollLoop(string name, ILogger logger)
    {
        _logger = logger;
        _epoll = EpollCreate(EpollCloexec);
        if (_epoll < 0)
        {
            throw new SocketException((int)Error(LastErrno));
        }

        _wakeFd = EventFd(0, EfdCloexec | EfdNonblock);
        if (_wakeFd < 0 || EpollAdd(_epoll, _wakeFd, EpollIn, WakeData) != 0)
        {
            var error = Error(LastErrno);
            Close(_epoll);
            if (_wakeFd >= 0)
            {
                Close(_wakeFd);
            }

            throw new SocketException((int)error);
        }

        new Thread(Run) { IsBackground = true, Name = name }.Start();
    }

    /// <summary>Watches the handler's descriptor for <paramref name="events"/>; the handler is told on this loop's thread.</summary>
    public void Register(IEpollHandler handler, uint events)
    {
        var fd = handler.Fd;
        handler.Generation = (uint)Interlocked.Increment(ref _generation);
        lock (_handlersLock)
        {
            if (fd >= _handlers.Length)
            {
                var larger = new IEpollHandler?[Math.Max(_handlers.Length * 2, fd + 1)];
                _handlers.CopyTo(larger, 0);
                Volatile.Write(ref _handlers, larger);
            }

            _handlers[fd] = handler;
        }

        if (EpollAdd(_epoll, fd, events, ((ulong)handler.Generation << 32) | (uint)fd) != 0)
        {
            var error = Error(LastErrno);
            Forget(handler);
            throw new SocketException((int)error);
        }
    }

    /// <summary>Stops telling the handler; call before its descriptor is closed (closing removes it from epoll).</summary>
    public void Forget(IEpollHandler handler)
    {
        lock (_handlersLock)
        {
            var fd = handler.Fd;
            if (fd < _handlers.Length && ReferenceEquals(_handlers[fd], handler))
            {
                _handlers[fd] = null;
            }
        }
    }

    /// <summary>Removes the handler's descriptor from epoll while it stays open.</summary>
    public void Unregister(IEpollHandler handler)
    {
        Forget(handler);
        _ = EpollDelete(_epoll, handler.Fd);
    }

    /// <summary>Runs <paramref name="action"/> on the loop's thread, after the events it is handling now.</summary>
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        Wake();
    }

    /// <summary>Tells the handler it is readable again after the other ready sockets had their turn (see <see cref="SocketReader"/>).</summary>
    public void Requeue(IEpollHandler handler)
    {
        _requeued.Enqueue(handler);
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            Wake();
        }
    }

    private void Wake()
    {
        lock (_wakeLock)
        {
            if (!_ended)
            {
                ulong one = 1;
                _ = Write(_wakeFd, (byte*)&one, sizeof(ulong));
            }
        }
    }

    /// <summary>Ends the loop's thread once the work posted before has run; its descriptors are closed then.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Post(() => _stopping = true);
        }
    }

    private void Run()
    {
        _threadId = Environment.CurrentManagedThreadId;
        var events = (byte*)NativeMemory.Alloc((nuint)(MaximumEvents * EpollEventSize));
        try
        {
            while (!_stopping)
            {
                var count = EpollWait(_epoll, events, MaximumEvents, _requeued.IsEmpty ? -1 : 0);
                if (count < 0)
                {
                    var errno = LastErrno;
                    if (errno == EINTR)
                    {
                        continue;
                    }

                    var error = Error(errno);
                    LogWaitFailed(_logger, error);
                    return;
                }

                var handlers = Volatile.Read(ref _handlers);
                for (var i = 0; i < count; i++)
                {
                    var (ready, data) = ReadEvent(events, i);
                    if (data == WakeData)
                    {
                        RunPosted();
                        handlers = Volatile.Read(ref _handlers);
                        continue;
                    }

                    var fd = (int)(uint)data;
                    if (fd >= handlers.Length)
                    {
                        handlers = Volatile.Read(ref _handlers);
                    }

                    var handler = fd < handlers.Length ? handlers[fd] : null;
                    if (handler is null || handler.Generation != (uint)(data >> 32))
                    {
                        continue; // closed since this batch was filled in, or a stale event of a reused number
                    }

                    try
                    {
                        handler.OnEvents(ready);
                    }
                    catch (Exception e)
                    {
                        // The broker's read loop catches its own failures; this is a defect, and the loop must go on.
                        LogHandlerFailed(_logger, e);
                    }
                }

                // Readers that yielded before this batch: their turn comes after the sockets that were ready.
                for (var n = _requeued.Count; n > 0 && _requeued.TryDequeue(out var yielded); n--)
                {
                    try
                    {
                        yielded.OnEvents(EpollIn);
                    }
                    catch (Exception e)
                    {
                        LogHandlerFailed(_logger, e);
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
            lock (_wakeLock)
            {
                _ended = true;
                _ = Close(_epoll);
                _ = Close(_wakeFd);
            }
        }
    }

    private void RunPosted()
    {
        ulong value;
        _ = Read(_wakeFd, (byte*)&value, sizeof(ulong));
        while (_posted.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                LogHandlerFailed(_logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Critical, Message = "The socket loop stopped: epoll_wait failed ({Error})")]
    private static partial void LogWaitFailed(ILogger logger, SocketError error);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "A socket event handler failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);
}
