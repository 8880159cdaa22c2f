using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Starling.Broker;

namespace Starling.Server.Sockets;

/// <summary>The accept loop on the runtime's sockets (any OS): one asynchronous accept after another.</summary>
internal sealed class ManagedSocketListener : SocketListener
{
    private Task? _acceptLoop;

    public ManagedSocketListener(MqttBroker broker, ILogger logger, Socket socket)
        : base(broker, logger, socket)
    {
    }

    /// <inheritdoc />
    public override void Start() => _acceptLoop = AcceptAsync();

    /// <inheritdoc />
    public override async Task StopAcceptingAsync()
    {
        ListeningSocket.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await ListeningSocket.AcceptAsync(CancellationToken.None).ConfigureAwait(false); // the ValueTask overload: no Task per accept
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
                {
                    continue; // the client gave up before the accept
                }
                catch (SocketException e) when (e.SocketErrorCode is not (SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown))
                {
                    // Out of file descriptors or memory: go on after a pause, without spinning.
                    LogAcceptFailed(Logger, e.SocketErrorCode, e.Message);
                    await Task.Delay(10).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    if (!OperatingSystem.IsLinux())
                    {
                        client.NoDelay = true; // Linux copies it from the listening socket; not every OS does
                    }

                    client.Blocking = false; // the reader and writer use non-blocking calls, falling back to waits
                }
                catch (SocketException)
                {
                    client.Dispose(); // reset by the client already: nothing to serve
                    continue;
                }

                var socket = new ManagedSocket(client);
                Serve(socket, socket.RemoteEndPoint);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The listening socket was closed: stop accepting.
        }
        finally
        {
            OnConnectionEnded();
        }
    }
}
