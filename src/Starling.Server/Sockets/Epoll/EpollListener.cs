using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Starling.Broker;
using static Starling.Server.Sockets.Epoll.LinuxSockets;

namespace Starling.Server.Sockets.Epoll;

/// <summary>
/// The listener on Starling's epoll loops (Linux): the listening socket is watched by the first loop, which accepts
/// every pending connection per event (accept4 straight to a non-blocking descriptor, no socket object), registers
/// each with a loop in turn and serves it inline until its first wait. One loop (the default) handles every
/// connection's packets in arrival order, as Mosquitto does; more loops use more cores.
/// </summary>
internal sealed unsafe class EpollListener : SocketListener, IEpollHandler
{
    /// <summary>Accepts per readiness event: the listener is level-triggered, so more are taken on the next round.</summary>
    private const int AcceptsPerEvent = 64;

    private readonly EpollLoop[] _loops;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextLoop;
    private bool _accepting; // on the first loop's thread only
    private int _stopRequested;
    private long _lastFailureLogged = long.MinValue / 2;

    public EpollListener(MqttBroker broker, ILogger logger, Socket socket, int ioThreads)
        : base(broker, logger, socket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ioThreads, 1);
        socket.Blocking = false;
        Fd = (int)socket.Handle;
        _loops = new EpollLoop[ioThreads];
        try
        {
            for (var i = 0; i < ioThreads; i++)
            {
                _loops[i] = new EpollLoop($"starling-io-{i}", logger);
            }
        }
        catch
        {
            DisposeLoops();
            throw;
        }
    }

    /// <summary>Linux on x64 or arm64: the architectures whose epoll_event layout <see cref="LinuxSockets"/> knows.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <inheritdoc />
    public int Fd { get; }

    /// <inheritdoc />
    public uint Generation { get; set; }

    /// <inheritdoc />
    public override void Start() => _loops[0].Post(() =>
    {
        _accepting = true;
        _loops[0].Register(this, EpollIn);
    });

    /// <inheritdoc />
    public override Task StopAcceptingAsync()
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 0)
        {
            // On the loop's thread: no accept can be running on the descriptor while it is closed.
            _loops[0].Post(() =>
            {
                if (_accepting)
                {
                    _accepting = false;
                    _loops[0].Unregister(this);
                }

                ListeningSocket.Dispose();
                OnConnectionEnded();
                _stopped.TrySetResult();
            });
        }

        return _stopped.Task;
    }

    /// <inheritdoc />
    public void OnEvents(uint events)
    {
        var address = stackalloc byte[28]; // sockaddr_in6, the larger of the two
        for (var i = 0; i < AcceptsPerEvent && _accepting; i++)
        {
            var length = 28u;
            var fd = Accept(Fd, address, &length, SockNonblock | SockCloexec);
            if (fd < 0)
            {
                var errno = LastErrno;
                if (errno == EAGAIN)
                {
                    return;
                }

                if (errno is EINTR or 103 /* ECONNABORTED: the client gave up first */)
                {
                    continue;
                }

                // Out of descriptors (or memory): stop watching for a moment rather than spin on a level-triggered event.
                var now = Environment.TickCount64;
                if (now - _lastFailureLogged >= 1000)
                {
                    _lastFailureLogged = now; // one line a second while it lasts
                    LogAcceptFailed(Logger, Error(errno), Marshal.GetPInvokeErrorMessage(errno));
                }

                PauseAccepting();
                return;
            }

            var loop = _loops[_nextLoop];
            _nextLoop = (_nextLoop + 1) % _loops.Length;
            var socket = EpollSocket.Open(fd, loop, ToEndPoint(address, length), out var error);
            if (socket is null)
            {
                LogAcceptFailed(Logger, error, "registering the connection failed");
                continue;
            }

            Serve(socket, socket.RemoteEndPoint);
        }
    }

    /// <inheritdoc />
    protected override void OnDrained() => DisposeLoops();

    private void PauseAccepting()
    {
        if (_accepting)
        {
            _accepting = false;
            _loops[0].Unregister(this);
        }

        _ = Task.Delay(10).ContinueWith(
            static (_, state) =>
            {
                var listener = (EpollListener)state!;
                listener._loops[0].Post(listener.ResumeAccepting);
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    private void ResumeAccepting()
    {
        if (Volatile.Read(ref _stopRequested) != 0)
        {
            return;
        }

        try
        {
            _loops[0].Register(this, EpollIn);
            _accepting = true;
        }
        catch (SocketException e)
        {
            LogAcceptFailed(Logger, e.SocketErrorCode, "watching the listening socket again failed");
            PauseAccepting();
        }
    }

    private void DisposeLoops()
    {
        foreach (var loop in _loops)
        {
            loop?.Dispose();
        }
    }

    /// <summary>The client's address from accept4's sockaddr_in or sockaddr_in6 (ports in network order).</summary>
    private static IPEndPoint? ToEndPoint(byte* address, uint length)
    {
        var family = *(ushort*)address;
        var port = (address[2] << 8) | address[3];
        if (family == 2 && length >= 16)
        {
            return new IPEndPoint(new IPAddress(*(uint*)(address + 4)), port);
        }

        if (family == 10 && length >= 28)
        {
            var scope = *(uint*)(address + 24);
            var ip = new IPAddress(new ReadOnlySpan<byte>(address + 8, 16), scope);
            return new IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, port);
        }

        return null;
    }
}
