using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Support;

/// <summary>
/// A listener that plays one scripted broker side, packet by packet, for behaviour neither mosquitto nor Starling can be
/// made to show: an enhanced-authentication (AUTH) challenge, a redirect with a Server Reference, a session lost
/// between PUBREC and PUBCOMP, a Receive Maximum lowered across a reconnect.
/// </summary>
public sealed class ScriptedBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private TcpClient? _client;
    private PipeReader? _input;
    private Stream? _output;

    public ScriptedBroker() => _listener.Start();

    public Uri Uri => new($"mqtt://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public async Task AcceptAsync(CancellationToken cancellationToken)
    {
        _client = await _listener.AcceptTcpClientAsync(cancellationToken);
        _output = _client.GetStream();
        _input = PipeReader.Create(_output);
    }

    public async Task<T> ExpectAsync<T>(CancellationToken cancellationToken) where T : IMqttPacket
    {
        while (true)
        {
            var result = await _input!.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var status = PacketDecoder.TryRead(ref buffer, ProtocolVersion.V500, int.MaxValue, out var packet, out var error);
            if (status == FrameStatus.Complete)
            {
                _input.AdvanceTo(buffer.Start);
                return Assert.IsType<T>(packet);
            }

            Assert.NotEqual(FrameStatus.Error, status);
            Assert.False(result.IsCompleted, $"connection closed while waiting for {typeof(T).Name}");
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Asserts the client sends nothing within <paramref name="window"/> (a limit it must respect, not a race).</summary>
    public async Task ExpectSilenceAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        using var timer = new Timer(_ => _input!.CancelPendingRead(), null, window, Timeout.InfiniteTimeSpan);
        var result = await _input!.ReadAsync(cancellationToken);
        Assert.True(result.IsCanceled || result.Buffer.IsEmpty, $"the client sent {result.Buffer.Length} bytes where it had to wait");
        _input.AdvanceTo(result.Buffer.Start);
    }

    /// <summary>Waits until the client closes the connection; fails if it sends a packet first.</summary>
    public async Task ExpectClosedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input!.ReadAsync(cancellationToken);
            }
            catch (IOException)
            {
                return; // reset by the client
            }

            Assert.True(result.Buffer.IsEmpty, $"the client sent {result.Buffer.Length} bytes instead of closing");
            _input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Closes the current connection, as a network failure would; <see cref="AcceptAsync"/> takes the next one.</summary>
    public async Task DropAsync()
    {
        if (_input is not null)
        {
            await _input.CompleteAsync();
        }

        _client?.Dispose();
    }

    public async Task SendAsync(IMqttPacket packet, CancellationToken cancellationToken)
    {
        await _output!.WriteAsync(PacketEncoder.ToArray(packet, ProtocolVersion.V500), cancellationToken);
        await _output.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }
}
