using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Starling.TestKit;

namespace Starling.Client.Tests.Support;

/// <summary>
/// An MQTT-over-WebSocket endpoint (<c>/mqtt</c>, subprotocol <c>mqtt</c>) relaying bytes to a broker's TCP port.
/// Debian's mosquitto 2.0.11 is built without WebSocket support and Starling's server has no WebSocket listener yet,
/// so this bridge (Kestrel, no MQTT logic) lets the client's ws:// and wss:// transports be tested against real brokers.
/// </summary>
public sealed class WebSocketBridge : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSocketBridge(WebApplication app, int port, bool tls)
    {
        _app = app;
        Uri = new Uri($"{(tls ? "wss" : "ws")}://127.0.0.1:{port}/mqtt");
    }

    public Uri Uri { get; }

    public static async Task<WebSocketBridge> StartAsync(int brokerPort, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        var port = FreePort.Get();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/mqtt", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest || !context.WebSockets.WebSocketRequestedProtocols.Contains("mqtt"))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync("mqtt");
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, brokerPort, context.RequestAborted);
            await using var ws = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false);
            await using var network = tcp.GetStream();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var up = CopyAsync(ws, network, stop);
            var down = CopyAsync(network, ws, stop);
            await Task.WhenAny(up, down);
            await stop.CancelAsync();
        });
        await app.StartAsync(cancellationToken);
        return new WebSocketBridge(app, port, certificate is not null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationTokenSource stop)
    {
        try
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await from.ReadAsync(buffer, stop.Token)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), stop.Token);
                await to.FlushAsync(stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // One side closed.
        }
    }
}
