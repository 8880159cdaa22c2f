using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Starling.Broker;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Benchmarks;

/// <summary>
/// The broker's hot path end to end without sockets: one QoS 0 PUBLISH routed to 1, 10 or 1,000 subscribers connected
/// over in-memory pipes, enqueued to each one's writer, encoded and flushed. An operation ends when every subscriber's
/// pipe holds the message, so it includes the writers' work (and the thread-pool hops to them).
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // The broker is disposed in GlobalCleanup, as BenchmarkDotNet drives the lifetime.
public class FanOutBenchmarks
#pragma warning restore CA1001
{
    // Kestrel's transport keeps the blocks it rents (its pinned block pool); the shared ArrayPool behind a default
    // Pipe does not keep enough for a thousand busy pipes and would make the benchmark measure its own allocations.
    private static readonly PipeOptions PipeOptions = new(pool: new RetainingMemoryPool(), useSynchronizationContext: false);

    private readonly List<Task> _connections = [];
    private MqttBroker _broker = null!;
    private FrameCounter[] _counters = [];
    private PublishPacket _message = null!;
    private long _published;

    [GlobalSetup(Target = nameof(RouteEnqueueEncode1))]
    public void SetupOne() => Setup(1);

    [GlobalSetup(Target = nameof(RouteEnqueueEncode10))]
    public void SetupTen() => Setup(10);

    [GlobalSetup(Target = nameof(RouteEnqueueEncode1000))]
    public void SetupThousand() => Setup(1000);

    // One method per size (not [Params]) so the allocation budget file can hold one budget for each.
    [Benchmark]
    public int RouteEnqueueEncode1() => PublishAndWait();

    [Benchmark]
    public int RouteEnqueueEncode10() => PublishAndWait();

    [Benchmark]
    public int RouteEnqueueEncode1000() => PublishAndWait();

    private void Setup(int subscribers)
    {
        _broker = new MqttBroker(new BrokerOptions { MaximumOutboundBytes = 64L * 1024 * 1024 });
        _message = new PublishPacket { Topic = "fan/out", Payload = new byte[64] };
        _counters = new FrameCounter[subscribers];
        for (var i = 0; i < subscribers; i++)
        {
            var toBroker = new Pipe(PipeOptions);
            var fromBroker = new Pipe(PipeOptions);
            _connections.Add(_broker.RunConnectionAsync(new DuplexPipe(toBroker.Reader, fromBroker.Writer)));
            PacketEncoder.Encode(new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, ClientId = $"subscriber-{i}", KeepAlive = 0 }, ProtocolVersion.V311, toBroker.Writer);
            PacketEncoder.Encode(new SubscribePacket { PacketId = 1, Subscriptions = [new TopicSubscription("fan/out", QualityOfService.AtMostOnce)] },
                ProtocolVersion.V311, toBroker.Writer);
            toBroker.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
            _counters[i] = new FrameCounter(fromBroker.Reader);

            // CONNACK and SUBACK: the subscription is in place before anything is measured.
            _counters[i].WaitFor(2);
        }
    }

    private int PublishAndWait()
    {
        var reached = _broker.Publish(_message);
        _published++;
        foreach (var counter in _counters)
        {
            counter.WaitFor(_published + 2);
        }

        return reached;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _broker.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Task.WaitAll([.. _connections], TimeSpan.FromSeconds(10));
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>Reads a subscriber's side of the pipe on its own task and counts complete packets, without decoding them.</summary>
    private sealed class FrameCounter
    {
        private long _frames;

        public FrameCounter(PipeReader reader) => _ = Task.Run(() => CountAsync(reader));

        public void WaitFor(long frames)
        {
            var spinner = default(SpinWait);
            while (Volatile.Read(ref _frames) < frames)
            {
                spinner.SpinOnce();
            }
        }

        private async Task CountAsync(PipeReader reader)
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var frames = 0;
                while (FrameReader.TryReadFrame(buffer, int.MaxValue, ProtocolVersion.V311, out var frame, out _) == FrameStatus.Complete)
                {
                    buffer = buffer.Slice(frame.TotalLength);
                    frames++;
                }

                Interlocked.Add(ref _frames, frames);
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A memory pool that keeps every returned block (array and owner object alike), as Kestrel's does.</summary>
    private sealed class RetainingMemoryPool : MemoryPool<byte>
    {
        private const int BlockSize = 4096;
        private readonly System.Collections.Concurrent.ConcurrentBag<Block> _blocks = [];

        public override int MaxBufferSize => BlockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1) =>
            minBufferSize <= BlockSize && _blocks.TryTake(out var block) ? block : new Block(this, new byte[Math.Max(BlockSize, minBufferSize)]);

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Block(RetainingMemoryPool pool, byte[] array) : IMemoryOwner<byte>
        {
            public Memory<byte> Memory => array;

            public void Dispose()
            {
                if (array.Length == BlockSize)
                {
                    pool._blocks.Add(this);
                }
            }
        }
    }
}
