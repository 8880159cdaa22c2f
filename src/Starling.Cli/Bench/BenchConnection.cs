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
/// pipe and flushed in batches; every packet of a read is handled before the next read, PUBLISH and acknowledgements
/// read in place without allocating.
/// </summary>
internal sealed class BenchConnection : IAsyncDisposable
{
    /// <summary>Read buffer of a connection under load: many packets per read.</summary>
    public const int LoadBufferSize = 65536;

    /// <summary>Read buffer of an idle connection: thousands of them must stay small.</summary>
    public const int IdleBufferSize = 512;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private volatile bool _closing;

    private BenchConnection(Socket socket, ProtocolVersion version, string clientId, int bufferSize)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: bufferSize, minimumReadSize: Math.Min(bufferSize, 1024)));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: bufferSize));
        Version = version;
        ClientId = clientId;
    }

    public PipeReader Input { get; }

    /// <summary>Written only between <see cref="EnterWriteAsync"/> and <see cref="ExitWrite"/>.</summary>
    public PipeWriter Output { get; }

    public ProtocolVersion Version { get; }

    public string ClientId { get; }

    /// <summary>Why the read loop ended when it was not us who closed the connection; null while open.</summary>
    public string? DropReason { get; private set; }

    /// <summary>Connects (from <paramref name="localAddress"/> when given), sends CONNECT and expects a successful CONNACK.</summary>
    public static async Task<BenchConnection> OpenAsync(IPEndPoint endPoint, IPAddress? localAddress, ConnectPacket connect, int bufferSize, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        BenchConnection? connection = null;
        try
        {
            if (localAddress is not null)
            {
                socket.Bind(new IPEndPoint(localAddress, 0));
            }

            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            connection = new BenchConnection(socket, connect.ProtocolVersion, connect.ClientId, bufferSize);
            await connection.SendAsync(connect, cancellationToken).ConfigureAwait(false);
            var connack = await connection.ReceiveAsync<ConnAckPacket>(cancellationToken).ConfigureAwait(false);
            if (connack.ReasonCode != ReasonCode.Success)
            {
                throw new InvalidOperationException($"CONNECT of {connect.ClientId} refused with {connack.ReasonCode}");
            }

            return connection;
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>Subscribes to one filter and expects a granted SUBACK (handshake only: before the read loop runs).</summary>
    public async Task SubscribeAsync(string filter, QualityOfService qos, CancellationToken cancellationToken)
    {
        await SendAsync(new SubscribePacket { PacketId = 1, Subscriptions = [new TopicSubscription(filter, qos)] }, cancellationToken).ConfigureAwait(false);
        var suback = await ReceiveAsync<SubAckPacket>(cancellationToken).ConfigureAwait(false);
        if (suback.ReasonCodes.Count != 1 || (int)suback.ReasonCodes[0] >= 0x80)
        {
            throw new InvalidOperationException($"SUBSCRIBE of {ClientId} to {filter} refused with {(suback.ReasonCodes.Count == 1 ? suback.ReasonCodes[0] : "no reason code")}");
        }
    }

    /// <summary>Takes the right to write to <see cref="Output"/> (the publisher loop and the read loop's acknowledgements share it).</summary>
    public Task EnterWriteAsync() => _writeGate.WaitAsync();

    public void ExitWrite() => _writeGate.Release();

    /// <summary>Encodes an acknowledgement into <see cref="Output"/> without allocating; the caller holds the write gate.</summary>
    public void WriteAck(PacketType type, ushort packetId)
    {
        var writer = new MqttWriter(Output, 4);
        AckEncoder.Write(ref writer, new AckPacket(type, packetId), Version);
        writer.Commit();
    }

    /// <summary>Encodes and flushes one packet (handshakes, pings, DISCONNECT).</summary>
    public async ValueTask SendAsync(IMqttPacket packet, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            PacketEncoder.Encode(packet, Version, Output);
            await Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Sends PINGREQ unless the connection is writing right now (then it is not idle and needs none).</summary>
    public async ValueTask PingAsync()
    {
        if (!_writeGate.Wait(0))
        {
            return;
        }

        try
        {
            PacketEncoder.Encode(PingReqPacket.Instance, Version, Output);
            await Output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The read loop reports the drop.
        }
        finally
        {
            _writeGate.Release();
        }
    }

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

    /// <summary>
    /// Reads until the connection ends, handing every packet of each read to <paramref name="handler"/>, then calling
    /// its <see cref="IBenchPacketHandler.AfterBatchAsync"/>. An end we did not cause sets <see cref="DropReason"/>.
    /// </summary>
    public async Task ReadLoopAsync(IBenchPacketHandler handler)
    {
        try
        {
            while (true)
            {
                var result = await Input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var status = HandleAll(ref buffer, handler, out var error);
                if (status == FrameStatus.Error)
                {
                    throw new InvalidDataException(error.ToString());
                }

                Input.AdvanceTo(buffer.Start, buffer.End);
                await handler.AfterBatchAsync(this).ConfigureAwait(false);
                if (result.IsCompleted)
                {
                    DropIfUnexpected("the broker closed the connection");
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            DropIfUnexpected(e.Message);
        }
    }

    private void DropIfUnexpected(string reason)
    {
        if (!_closing)
        {
            DropReason = reason;
        }
    }

    private FrameStatus HandleAll(ref ReadOnlySequence<byte> buffer, IBenchPacketHandler handler, out MqttProtocolError error)
    {
        while (true)
        {
            var status = FrameReader.TryReadFrame(buffer, int.MaxValue, Version, out var frame, out error);
            if (status != FrameStatus.Complete)
            {
                return status;
            }

            if (!Handle(frame, handler, out error))
            {
                return FrameStatus.Error;
            }

            buffer = buffer.Slice(frame.TotalLength);
        }
    }

    private bool Handle(in Frame frame, IBenchPacketHandler handler, out MqttProtocolError error)
    {
        error = default;
        switch (frame.Type)
        {
            case PacketType.Publish:
                handler.OnPublish(ReadPublish(frame));
                return true;
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                if (!PacketDecoder.TryDecodeAck(frame, Version, out var ack, out error))
                {
                    return false;
                }

                handler.OnAck(ack);
                return true;
            default:
                if (!PacketDecoder.TryDecode(frame, Version, out var packet, out error))
                {
                    return false;
                }

                handler.OnOther(packet);
                return true;
        }
    }

    /// <summary>Reads the flow fields and the bench header of a PUBLISH where it lies in the input.</summary>
    private BenchPublish ReadPublish(in Frame frame)
    {
        var qos = (QualityOfService)((frame.Flags >> 1) & 3);
        var reader = new SequenceReader<byte>(frame.Body);
        if (!reader.TryReadBigEndian(out short topicLength) || reader.Remaining < (ushort)topicLength)
        {
            throw new InvalidDataException("PUBLISH shorter than its topic");
        }

        reader.Advance((ushort)topicLength);
        ushort packetId = 0;
        if (qos != QualityOfService.AtMostOnce)
        {
            if (!reader.TryReadBigEndian(out short id))
            {
                throw new InvalidDataException("PUBLISH without its packet identifier");
            }

            packetId = (ushort)id;
        }

        if (Version == ProtocolVersion.V500)
        {
            reader.Advance(ReadVariableByteInteger(ref reader));
        }

        Span<byte> header = stackalloc byte[BenchPayload.HeaderSize];
        return reader.TryCopyTo(header)
            ? new BenchPublish(qos, packetId, BenchPayload.ReadFrom(header), IsBench: true)
            : new BenchPublish(qos, packetId, default, IsBench: false);
    }

    private static int ReadVariableByteInteger(ref SequenceReader<byte> reader)
    {
        var value = 0;
        for (var shift = 0; shift < 28; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                break;
            }

            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("malformed property length in PUBLISH");
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await SendAsync(DisconnectPacket.Normal, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // Already gone.
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
