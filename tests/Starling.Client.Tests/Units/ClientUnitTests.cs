using Starling.Client.Flows;
using Starling.Client.Resilience;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Units;

/// <summary>The client's pure parts: packet ids, backoff, the publish buffer file.</summary>
public sealed class ClientUnitTests
{
    [Fact]
    public void Packet_ids_are_non_zero_skip_ids_in_use_wrap_around_and_run_out_at_65535()
    {
        var pool = new PacketIdPool();
        Assert.Equal(1, pool.Allocate()); // [MQTT-2.2.1-2]: never 0
        Assert.Equal(2, pool.Allocate());
        pool.Free(1);
        for (var i = 3; i <= 65535; i++)
        {
            Assert.Equal(i, pool.Allocate());
        }

        Assert.Equal(1, pool.Allocate()); // wrapped, 2 still in use, 1 free again
        Assert.Equal(0, pool.Allocate()); // all 65,535 in use
        pool.Free(40000);
        Assert.Equal(40000, pool.Allocate());
    }

    [Fact]
    public void Reconnect_delays_grow_exponentially_up_to_the_cap_and_the_jitter_only_shortens_them()
    {
        var options = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaximumDelay = TimeSpan.FromSeconds(2), Jitter = 0.5 };
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var ceiling = Math.Min(100 * Math.Pow(2, attempt), 2000);
            for (var sample = 0; sample < 20; sample++)
            {
                var delay = ReconnectBackoff.Delay(options, attempt).TotalMilliseconds;
                Assert.InRange(delay, ceiling * 0.5 - 0.001, ceiling + 0.001);
            }
        }

        options.Jitter = 0;
        Assert.Equal(TimeSpan.FromMilliseconds(400), ReconnectBackoff.Delay(options, 2));
    }

    [Fact]
    public void The_publish_buffer_file_keeps_what_was_not_acknowledged_across_runs_and_ignores_a_torn_last_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"starling-buffer-{Guid.NewGuid():N}.log");
        try
        {
            using (var first = new PublishBufferFile(path))
            {
                Assert.Empty(first.Load());
                var a = first.Append(new PublishPacket { Topic = "t/a", Payload = "1"u8.ToArray(), QoS = QualityOfService.AtLeastOnce });
                first.Append(new PublishPacket
                {
                    Topic = "t/ü",
                    Payload = new byte[] { 0, 255 },
                    QoS = QualityOfService.ExactlyOnce,
                    Retain = true,
                    PayloadFormat = PayloadFormatIndicator.Unspecified,
                    MessageExpiryInterval = 60,
                    ContentType = "a b",
                    ResponseTopic = "r/t",
                    CorrelationData = [1, 2],
                    UserProperties = [new UserProperty("k", "v:1"), new UserProperty("k", "")],
                });
                first.Remove(a);
            }

            File.AppendAllText(path, "+ 99 1 0 dG9ya eA== pf=1"); // a crash in the middle of a line

            using var second = new PublishBufferFile(path);
            var kept = Assert.Single(second.Load());
            Assert.Equal("t/ü", kept.Packet.Topic);
            Assert.Equal(new byte[] { 0, 255 }, kept.Packet.Payload.ToArray());
            Assert.Equal(QualityOfService.ExactlyOnce, kept.Packet.QoS);
            Assert.True(kept.Packet.Retain);
            Assert.Equal(PayloadFormatIndicator.Unspecified, kept.Packet.PayloadFormat);
            Assert.Equal(60u, kept.Packet.MessageExpiryInterval);
            Assert.Equal("a b", kept.Packet.ContentType);
            Assert.Equal("r/t", kept.Packet.ResponseTopic);
            Assert.Equal(new byte[] { 1, 2 }, kept.Packet.CorrelationData);
            Assert.Equal([new UserProperty("k", "v:1"), new UserProperty("k", "")], kept.Packet.UserProperties);
            Assert.Single(File.ReadAllLines(path)); // compacted
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_publish_buffer_file_is_rewritten_as_acknowledgements_pile_up_so_it_follows_the_live_messages()
    {
        var path = Path.Combine(Path.GetTempPath(), $"starling-buffer-{Guid.NewGuid():N}.log");
        try
        {
            using var file = new PublishBufferFile(path);
            file.Load();
            var pending = new Queue<long>();
            var longest = 0;
            for (var i = 0; i < 20_000; i++)
            {
                pending.Enqueue(file.Append(new PublishPacket { Topic = "t", Payload = new byte[64], QoS = QualityOfService.AtLeastOnce }));
                if (pending.Count > 5)
                {
                    file.Remove(pending.Dequeue());
                }

                longest = Math.Max(longest, i % 500 == 0 ? File.ReadLines(path).Count() : 0);
            }

            // 40,000 lines went through; the file never held more than the dead-line threshold plus the live ones.
            Assert.InRange(longest, 1, 2 * 1024 + 20);
            Assert.Equal(5, file.LiveCount);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
