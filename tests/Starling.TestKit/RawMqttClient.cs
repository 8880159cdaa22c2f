using System.Buffers;
using System.Net.Sockets;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.TestKit;

/// <summary>
/// A test client over a real TCP socket that sends exact bytes and expects exact bytes or packets, so conformance
/// tests read like a protocol transcript: send CONNECT, expect CONNACK, send SUBSCRIBE, expect SUBACK, expect nothing.
/// </summary>
public sealed class RawMqttClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawMqttClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>This client's address, as the broker sees it as the remote one.</summary>
    public System.Net.EndPoint? LocalEndPoint => _tcp.Client.LocalEndPoint;

    /// <summary>The CONNACK of the handshake made by <see cref="BrokerFixture.ConnectAsync"/>.</summary>
    public ConnAckPacket? LastConnAck { get; set; }

    /// <summary>The protocol version used to encode and decode packets after CONNECT.</summary>
    public ProtocolVersion Version { get; set; } = ProtocolVersion.V311;

    public static async Task<RawMqttClient> ConnectAsync(string host, int port, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new RawMqttClient(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken = default) =>
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);

    /// <summary>Encodes and sends a packet; a CONNECT also sets <see cref="Version"/>.</summary>
    public Task SendAsync(IMqttPacket packet, CancellationToken cancellationToken = default)
    {
        if (packet is ConnectPacket connect)
        {
            Version = connect.ProtocolVersion;
        }

        return SendAsync(PacketEncoder.ToArray(packet, Version), cancellationToken);
    }

    /// <summary>Reads exactly as many bytes as <paramref name="expected"/> and fails with both in hex if they differ.</summary>
    public async Task ExpectBytesAsync(byte[] expected, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await FillAsync(expected.Length, timeout ?? DefaultTimeout, cancellationToken).ConfigureAwait(false);
        var actual = _buffer.AsSpan(_start, expected.Length).ToArray();
        _start += expected.Length;
        if (!actual.AsSpan().SequenceEqual(expected))
        {
            throw new InvalidDataException($"Expected bytes {Hex.Format(expected)} but received {Hex.Format(actual)}.");
        }
    }

    /// <summary>Receives the next whole packet and decodes it with <see cref="Version"/>.</summary>
    public async Task<IMqttPacket> ReceiveAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = timeout ?? DefaultTimeout;
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
            var status = FrameReader.TryReadFrame(sequence, int.MaxValue, out var frame, out var error);
            if (status == FrameStatus.Error)
            {
                throw new InvalidDataException($"Received an invalid fixed header: {error}");
            }

            if (status == FrameStatus.Complete)
            {
                if (!PacketDecoder.TryDecode(frame, Version, out var packet, out error))
                {
                    throw new InvalidDataException($"Received a malformed packet: {error}");
                }

                _start += frame.TotalLength;
                return packet;
            }

            await FillAsync(_end - _start + 1, deadline, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Receives the next packet and checks its type.</summary>
    public async Task<T> ExpectAsync<T>(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : IMqttPacket
    {
        var packet = await ReceiveAsync(timeout, cancellationToken).ConfigureAwait(false);
        return packet is T typed ? typed : throw new InvalidDataException($"Expected {typeof(T).Name} but received {packet.Type}.");
    }

    /// <summary>Subscribes and waits for the SUBACK, returning its reason codes.</summary>
    public async Task<IReadOnlyList<ReasonCode>> SubscribeAsync(string filter, QualityOfService qos = QualityOfService.AtMostOnce, ushort packetId = 1,
        Func<TopicSubscription, TopicSubscription>? options = null, int? subscriptionId = null, CancellationToken cancellationToken = default)
    {
        var subscription = new TopicSubscription(filter, qos);
        await SendAsync(new SubscribePacket { PacketId = packetId, Subscriptions = [options?.Invoke(subscription) ?? subscription], SubscriptionIdentifier = subscriptionId },
            cancellationToken).ConfigureAwait(false);
        var suback = await ExpectAsync<SubAckPacket>(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (suback.PacketId != packetId)
        {
            throw new InvalidDataException($"SUBACK for packet id {suback.PacketId}, expected {packetId}.");
        }

        return suback.ReasonCodes;
    }

    /// <summary>Publishes and, for QoS 1 and 2, completes the flow (PUBACK, or PUBREC / PUBREL / PUBCOMP).</summary>
    public async Task<ReasonCode> PublishAsync(string topic, byte[] payload, QualityOfService qos = QualityOfService.AtMostOnce, bool retain = false,
        ushort packetId = 1, CancellationToken cancellationToken = default)
    {
        await SendAsync(new PublishPacket { Topic = topic, Payload = payload, QoS = qos, Retain = retain, PacketId = qos == QualityOfService.AtMostOnce ? (ushort)0 : packetId },
            cancellationToken).ConfigureAwait(false);
        switch (qos)
        {
            case QualityOfService.AtLeastOnce:
                return (await ExpectAckAsync(PacketType.PubAck, packetId, cancellationToken).ConfigureAwait(false)).ReasonCode;
            case QualityOfService.ExactlyOnce:
                var pubrec = await ExpectAckAsync(PacketType.PubRec, packetId, cancellationToken).ConfigureAwait(false);
                await SendAsync(new AckPacket(PacketType.PubRel, packetId), cancellationToken).ConfigureAwait(false);
                await ExpectAckAsync(PacketType.PubComp, packetId, cancellationToken).ConfigureAwait(false);
                return pubrec.ReasonCode;
            default:
                return ReasonCode.Success;
        }
    }

    /// <summary>Expects an acknowledgement of the given type and packet id.</summary>
    public async Task<AckPacket> ExpectAckAsync(PacketType type, ushort packetId, CancellationToken cancellationToken = default)
    {
        var ack = await ExpectAsync<AckPacket>(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (ack.Type != type || ack.PacketId != packetId)
        {
            throw new InvalidDataException($"Expected {type} {packetId} but received {ack.Type} {ack.PacketId}.");
        }

        return ack;
    }

    /// <summary>Waits until the peer closes the connection; fails if a byte arrives first or the deadline passes.</summary>
    public async Task ExpectClosedAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_end > _start)
        {
            throw new InvalidDataException($"Expected the connection to close but {_end - _start} bytes are unread.");
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token).ConfigureAwait(false);
            if (read > 0)
            {
                throw new InvalidDataException($"Expected the connection to close but received {Hex.Format(_buffer.AsSpan(_end, read))}.");
            }
        }
        catch (IOException)
        {
            // A reset is a close too.
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("The connection was not closed in time.");
        }
    }

    /// <summary>Fails if any byte arrives within <paramref name="window"/> (a deliberate quiet period).</summary>
    public async Task ExpectNothingAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        if (_end > _start)
        {
            throw new InvalidDataException($"Expected nothing but {_end - _start} bytes are unread.");
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(window);
        try
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token).ConfigureAwait(false);
            _end += read;
            throw new InvalidDataException(read == 0 ? "Expected nothing but the connection closed." : $"Expected nothing but received {read} bytes.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Quiet, as expected.
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task FillAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(count, _buffer.Length * 2));
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (_end < count)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s with {_end} of {count} bytes received.");
            }

            if (read == 0)
            {
                throw new EndOfStreamException($"The connection closed with {_end} of {count} bytes received.");
            }

            _end += read;
        }
    }
}
