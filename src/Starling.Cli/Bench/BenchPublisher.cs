using System.Diagnostics;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>
/// Publishes numbered messages (see <see cref="BenchPayload"/>) as fast as its windows allow, or at a fixed rate, and
/// completes the QoS 1/2 flows. Messages go out in batches: as many as the windows allow (up to 64), one flush.
/// </summary>
internal sealed class BenchPublisher : IBenchPacketHandler
{
    private const int BatchSize = 64;

    private readonly BenchPublishTemplate _template;
    private readonly int _rate;
    private readonly CreditGate? _window;
    private readonly List<ushort> _releases = new(1024);
    private long _sent;
    private long _acknowledged;
    private long _refused;
    private readonly int _copiesPerMessage;

    /// <param name="index">Publisher index written into every payload.</param>
    /// <param name="template">Topic, QoS, payload size and protocol version.</param>
    /// <param name="rate">Messages per second; 0 for as fast as the windows allow.</param>
    /// <param name="window">Unacknowledged QoS 1/2 messages allowed.</param>
    /// <param name="endToEndWindow">Copies sent but not yet received (maximum rate only); 0 when nobody counts receipts.</param>
    /// <param name="copiesPerMessage">Copies of each message the subscribers receive (and release credit for).</param>
    public BenchPublisher(int index, BenchPublishTemplate template, int rate, int window, long endToEndWindow, int copiesPerMessage = 1)
    {
        Index = index;
        _copiesPerMessage = copiesPerMessage;
        _template = template;
        _rate = rate;
        _window = template.QoS == QualityOfService.AtMostOnce ? null : new CreditGate(window);
        EndToEnd = rate == 0 && endToEndWindow > 0 ? new CreditGate(endToEndWindow) : null;
    }

    public int Index { get; }

    /// <summary>Released by subscribers for every copy received; bounds what is in the broker at maximum rate. Null when unbounded.</summary>
    public CreditGate? EndToEnd { get; }

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>QoS 1/2 flows completed (PUBACK, or PUBCOMP).</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>QoS 1/2 messages the broker refused with a failure reason code.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Publishes until <paramref name="stop"/>, then flushes what is written.</summary>
    public async Task RunAsync(BenchConnection connection, CancellationToken stop)
    {
        using var stopping = stop.Register(Wake);
        var started = Stopwatch.GetTimestamp();
        var packetId = (ushort)0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var count = (long)BatchSize;
                if (_rate > 0)
                {
                    var due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * _rate) - _sent;
                    if (due <= 0)
                    {
                        await Task.Delay(1, stop).ConfigureAwait(false); // ok-to-sleep: the pacing of a fixed rate
                        continue;
                    }

                    count = Math.Min(count, due);
                }

                if (_window is not null)
                {
                    count = Math.Min(count, _window.Available);
                }

                if (EndToEnd is not null)
                {
                    // Every copy received releases one credit, so a message takes one per copy.
                    count = Math.Min(count, EndToEnd.Available / _copiesPerMessage);
                }

                if (count <= 0)
                {
                    await WaitForCreditAsync().ConfigureAwait(false);
                    continue;
                }

                _window?.Take(count);
                EndToEnd?.Take(count * _copiesPerMessage);
                await connection.EnterWriteAsync().ConfigureAwait(false);
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        if (_window is not null)
                        {
                            packetId = packetId == ushort.MaxValue ? (ushort)1 : (ushort)(packetId + 1);
                        }

                        _template.Write(connection.Output, packetId, new BenchPayload(_sent, Stopwatch.GetTimestamp(), Index));
                        Interlocked.Increment(ref _sent);
                    }

                    await connection.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    connection.ExitWrite();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped while pacing.
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException)
        {
            Error = e.Message;
        }
    }

    /// <summary>Why sending stopped before the end of the run; null when it did not.</summary>
    public string? Error { get; private set; }

    /// <summary>Waits until every QoS 1/2 message sent is acknowledged (or refused), or the deadline passes.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (_window is not null && Acknowledged + Refused < Sent && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false); // ok-to-sleep: polling the acknowledgement count, bounded by the deadline
        }
    }

    private ValueTask WaitForCreditAsync()
    {
        if (_window is { Available: <= 0, IsClosed: false })
        {
            return _window.WaitAsync();
        }

        return EndToEnd is { Available: <= 0, IsClosed: false } ? EndToEnd.WaitAsync() : ValueTask.CompletedTask;
    }

    private void Wake()
    {
        _window?.Close();
        EndToEnd?.Close();
    }

    public void OnPublish(in BenchPublish publish)
    {
        // A publisher subscribes to nothing.
    }

    public void OnAck(in AckPacket ack)
    {
        switch (ack.Type)
        {
            case PacketType.PubAck or PacketType.PubComp:
                Complete(ack);
                break;
            case PacketType.PubRec when (int)ack.ReasonCode >= 0x80:
                Complete(ack);
                break;
            case PacketType.PubRec:
                _releases.Add(ack.PacketId);
                break;
            default:
                break;
        }
    }

    public void OnOther(IMqttPacket packet)
    {
        // PINGRESP; a DISCONNECT ends the read loop, which reports it.
    }

    public async ValueTask AfterBatchAsync(BenchConnection connection)
    {
        if (_releases.Count == 0)
        {
            return;
        }

        await connection.EnterWriteAsync().ConfigureAwait(false);
        try
        {
            foreach (var id in _releases)
            {
                connection.WriteAck(PacketType.PubRel, id);
            }

            _releases.Clear();
            await connection.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            connection.ExitWrite();
        }
    }

    private void Complete(in AckPacket ack)
    {
        if ((int)ack.ReasonCode >= 0x80)
        {
            Interlocked.Increment(ref _refused);
        }
        else
        {
            Interlocked.Increment(ref _acknowledged);
        }

        _window!.Release();
    }
}
