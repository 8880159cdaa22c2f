using System.Threading.Channels;
using Starling.Client.Transport;
using Starling.Protocol.Packets;

namespace Starling.Client.Flows;

/// <summary>
/// Hands received messages to the application in order through a bounded buffer, and acknowledges each one (PUBACK,
/// PUBREC) only once the application's buffer has taken it. When that buffer is full, up to as many messages again are
/// parked here so the read loop goes on reading: acknowledgements of our own publishes keep arriving even while the
/// application is behind (a handler that publishes at QoS 1 and awaits it cannot deadlock its own client). Only
/// beyond that does the read loop wait, which stops reading the socket: memory stays bounded.
/// </summary>
internal sealed class InboundDelivery
{
    private readonly Lock _gate = new();
    private readonly Channel<MqttMessage> _channel;
    private readonly Queue<Parked> _parked = new();
    private readonly int _parkLimit;
    private readonly Action<ushort> _acceptQos2;
    private TaskCompletionSource? _space;
    private bool _pumping;

    public InboundDelivery(int capacity, Action<ushort> acceptQos2)
    {
        capacity = Math.Max(1, capacity);
        _parkLimit = capacity;
        _acceptQos2 = acceptQos2;
        _channel = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    public ChannelReader<MqttMessage> Reader => _channel.Reader;

    /// <summary>Takes response messages out of the stream before the application sees them (request/response helper).</summary>
    public Func<MqttMessage, bool>? Interceptor { get; set; }

    /// <summary>
    /// Accepts a message; <paramref name="ack"/> goes out on <paramref name="connection"/> once the application's buffer
    /// has it. A QoS 2 message's id is recorded as soon as it is accepted (it will be delivered; a resent copy must not
    /// be). Completes at once unless both the buffer and the parking area are full.
    /// </summary>
    public ValueTask DeliverAsync(MqttMessage message, ClientConnection connection, AckPacket? ack, bool qos2, CancellationToken cancellationToken)
    {
        if (Interceptor?.Invoke(message) == true)
        {
            Accept(ack, qos2);
            Acknowledge(connection, ack);
            return default;
        }

        Task waitForSpace;
        lock (_gate)
        {
            if (_parked.Count == 0 && _channel.Writer.TryWrite(message))
            {
                Accept(ack, qos2);
            }
            else if (_parked.Count < _parkLimit)
            {
                Accept(ack, qos2);
                _parked.Enqueue(new Parked(message, connection, ack));
                if (!_pumping)
                {
                    _pumping = true;
                    _ = Task.Run(PumpAsync, CancellationToken.None);
                }

                return default;
            }
            else
            {
                _space ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waitForSpace = _space.Task;
                goto Wait;
            }
        }

        Acknowledge(connection, ack);
        return default;

    Wait:
        return DeliverWhenSpaceAsync(waitForSpace, message, connection, ack, qos2, cancellationToken);
    }

    /// <summary>No more messages: readers finish once the buffer is empty.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    private async ValueTask DeliverWhenSpaceAsync(Task waitForSpace, MqttMessage message, ClientConnection connection, AckPacket? ack, bool qos2,
        CancellationToken cancellationToken)
    {
        await waitForSpace.WaitAsync(cancellationToken).ConfigureAwait(false);
        await DeliverAsync(message, connection, ack, qos2, cancellationToken).ConfigureAwait(false);
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                Parked next;
                lock (_gate)
                {
                    if (!_parked.TryPeek(out next))
                    {
                        _pumping = false;
                        return;
                    }
                }

                await _channel.Writer.WriteAsync(next.Message).ConfigureAwait(false);
                TaskCompletionSource? space;
                lock (_gate)
                {
                    _parked.Dequeue();
                    space = _space;
                    _space = null;
                }

                Acknowledge(next.Connection, next.Ack);
                space?.TrySetResult();
            }
        }
        catch (ChannelClosedException)
        {
            // The client was disposed.
        }
    }

    private void Accept(AckPacket? ack, bool qos2)
    {
        if (qos2 && ack is { } pubRec)
        {
            _acceptQos2(pubRec.PacketId);
        }
    }

    private static void Acknowledge(ClientConnection connection, AckPacket? ack)
    {
        if (ack is { } packet)
        {
            // On a connection that has closed meanwhile this is dropped; the broker sends the message again.
            connection.Enqueue(OutboundPacket.Acknowledge(packet));
        }
    }

    private readonly record struct Parked(MqttMessage Message, ClientConnection Connection, AckPacket? Ack);
}
