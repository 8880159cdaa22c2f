using Starling.Client.Transport;
using Starling.Protocol.Packets;

namespace Starling.Client.Flows;

/// <summary>What the read loop hands packets to: the session, which outlives connections.</summary>
internal interface IPacketHandler
{
    /// <summary>An incoming PUBLISH, topic alias already resolved. Completes late when the application is behind.</summary>
    ValueTask OnPublishAsync(ClientConnection connection, PublishPacket packet, string topic, CancellationToken cancellationToken);

    /// <summary>PUBACK, PUBREC, PUBREL or PUBCOMP.</summary>
    void OnAck(ClientConnection connection, in AckPacket ack);

    /// <summary>SUBACK or UNSUBACK.</summary>
    void OnRequestAck(ushort packetId, IMqttPacket ack);
}
