using System.Net;
using System.Net.Sockets;

namespace Starling.Client.Tests.Support;

/// <summary>
/// A loopback TCP relay between a client and a broker, so a test can cut a client's socket without a DISCONNECT
/// (<see cref="DropAll"/>) or make the path silently stop carrying bytes (<see cref="Freeze"/>), as a dead network does.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Lock _gate = new();
    private volatile bool _frozen;
    private readonly Task _accepting;

    public TcpProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Uri => new($"mqtt://127.0.0.1:{Port}");

    /// <summary>Stops relaying in both directions, keeping the sockets open.</summary>
    public void Freeze() => _frozen = true;

    /// <summary>Closes every relayed connection abruptly; new connections are relayed normally again.</summary>
    public void DropAll()
    {
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                socket.Close(0);
            }

            _sockets.Clear();
        }

        // Only now: unfrozen before the close, a pump could relay what the client wrote while frozen (a publish that
        // then reached the broker, whose PUBACK was lost: the buffer-file test saw that message twice).
        _frozen = false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _target), _stop.Token);
            lock (_gate)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (_frozen)
                {
                    continue; // swallowed, as by a network that has gone away
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }

            if (!_frozen)
            {
                to.Shutdown(SocketShutdown.Send); // a frozen network does not carry the FIN either
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // One side went away.
        }
    }
}
