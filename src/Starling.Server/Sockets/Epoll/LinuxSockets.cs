using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Starling.Server.Sockets.Epoll;

/// <summary>
/// The Linux system calls of the epoll transport, declared once. Every call returns -1 and sets errno on failure;
/// <see cref="Error"/> turns errno into the <see cref="SocketError"/> the rest of Starling speaks.
/// </summary>
internal static unsafe partial class LinuxSockets
{
    private const string Libc = "libc";

    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 1u << 31;

    public const int SockNonblock = 0x800;
    public const int SockCloexec = 0x80000;
    public const int MsgNosignal = 0x4000;
    public const int ShutRdwr = 2;
    public const int EfdCloexec = 0x80000;
    public const int EfdNonblock = 0x800;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EMFILE = 24;
    public const int ENFILE = 23;
    public const int ENOBUFS = 105;
    public const int ENOMEM = 12;

    /// <summary>
    /// Size of one <c>struct epoll_event</c>: a 32-bit event mask and a 64-bit user word, packed on x86-64 (12 bytes)
    /// and naturally aligned elsewhere (16 bytes, the word at offset 8).
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EpollDataOffset = EpollEventSize == 12 ? 4 : 8;

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport(Libc, EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept(int fd, byte* address, uint* addressLength, int flags);

    [LibraryImport(Libc, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Receive(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    /// <summary>Registers <paramref name="fd"/> for <paramref name="events"/>, reported with <paramref name="data"/>.</summary>
    public static int EpollAdd(int epfd, int fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        Unsafe.WriteUnaligned(ev + EpollDataOffset, data);
        return EpollCtl(epfd, EpollCtlAdd, fd, ev);
    }

    public static int EpollDelete(int epfd, int fd)
    {
        var ev = stackalloc byte[16]; // ignored by the kernel, but must not be null on old ones
        return EpollCtl(epfd, EpollCtlDel, fd, ev);
    }

    /// <summary>The event mask and user word of the <paramref name="index"/>th event that epoll_wait filled in.</summary>
    public static (uint Events, ulong Data) ReadEvent(byte* events, int index)
    {
        var ev = events + (index * EpollEventSize);
        return (*(uint*)ev, Unsafe.ReadUnaligned<ulong>(ev + EpollDataOffset));
    }

    /// <summary>errno of the last failed call.</summary>
    public static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>The <see cref="SocketError"/> for an errno value (the codes a connected TCP socket reports).</summary>
    public static SocketError Error(int errno) => errno switch
    {
        EAGAIN => SocketError.WouldBlock,
        EINTR => SocketError.Interrupted,
        9 => SocketError.OperationAborted, // EBADF: closed under us
        32 => SocketError.Shutdown, // EPIPE
        103 => SocketError.ConnectionAborted,
        104 => SocketError.ConnectionReset,
        107 => SocketError.NotConnected,
        110 => SocketError.TimedOut,
        113 => SocketError.HostUnreachable,
        EMFILE or ENFILE => SocketError.TooManyOpenSockets,
        ENOBUFS or ENOMEM => SocketError.NoBufferSpaceAvailable,
        _ => SocketError.SocketError,
    };
}
