using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>What a bench connection's read loop hands its packets to; called on the read loop, one packet at a time.</summary>
internal interface IBenchPacketHandler
{
    void OnPublish(in BenchPublish publish);

    void OnAck(in AckPacket ack);

    /// <summary>Any other packet (PINGRESP, SUBACK, DISCONNECT): rare, so decoded the ordinary way.</summary>
    void OnOther(IMqttPacket packet);

    /// <summary>After every packet of one read: the place to write the acknowledgements gathered, with one flush.</summary>
    ValueTask AfterBatchAsync(BenchConnection connection);
}
