using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>
/// One load-generating MQTT connection over a socket and two pipes: packets are encoded straight into the output
/// pipe and flushed in batches; every packet of a read is decoded before the next read.
/// </summary>
internal sealed class BenchConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private BenchConnection(Socket socket, ProtocolVersion version)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 65536));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 65536));
        Version = version;
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public ProtocolVersion Version { get; }

    public static async Task<BenchConnection> OpenAsync(IPEndPoint endPoint, ConnectPacket connect, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        var connection = new BenchConnection(socket, connect.ProtocolVersion);
        await connection.SendAsync(connect, cancellationToken).ConfigureAwait(false);
        var connack = await connection.ReceiveAsync<ConnAckPacket>(cancellationToken).ConfigureAwait(false);
        if (connack.ReasonCode != ReasonCode.Success)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"CONNECT of {connect.ClientId} refused with {connack.ReasonCode}.");
        }

        return connection;
    }

    /// <summary>Encodes <paramref name="packet"/> into the output pipe without flushing (one writer at a time).</summary>
    public async ValueTask WriteAsync(IMqttPacket packet, bool flush, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            PacketEncoder.Encode(packet, Version, Output);
            if (flush)
            {
                await Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public ValueTask SendAsync(IMqttPacket packet, CancellationToken cancellationToken) => WriteAsync(packet, flush: true, cancellationToken);

    /// <summary>Receives the next packet, which must be a <typeparamref name="T"/> (handshakes only).</summary>
    public async Task<T> ReceiveAsync<T>(CancellationToken cancellationToken)
        where T : IMqttPacket
    {
        while (true)
        {
            var result = await Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = PacketDecoder.TryRead(ref buffer, Version, int.MaxValue, out var packet, out var error);
            if (status == FrameStatus.Complete)
            {
                Input.AdvanceTo(buffer.Start);
                return packet is T typed ? typed : throw new InvalidDataException($"expected {typeof(T).Name}, received {packet!.Type}");
            }

            if (status == FrameStatus.Error)
            {
                throw new InvalidDataException(error.ToString());
            }

            Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("the broker closed the connection");
            }
        }
    }

    /// <summary>Reads until the connection ends, handing every packet of each read to <paramref name="onPacket"/> and then calling <paramref name="afterBatch"/>.</summary>
    public async Task ReadLoopAsync(Action<IMqttPacket> onPacket, Func<ValueTask> afterBatch, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await Input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    var status = PacketDecoder.TryRead(ref buffer, Version, int.MaxValue, out var packet, out var error);
                    if (status == FrameStatus.Complete)
                    {
                        onPacket(packet!);
                        continue;
                    }

                    if (status == FrameStatus.Error)
                    {
                        throw new InvalidDataException(error.ToString());
                    }

                    break;
                }

                Input.AdvanceTo(buffer.Start, buffer.End);
                await afterBatch().ConfigureAwait(false);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await WriteAsync(DisconnectPacket.Normal, flush: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or ObjectDisposedException)
        {
            // Already gone.
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _writeGate.Dispose();
    }
}
