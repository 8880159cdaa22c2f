using Starling.Protocol.Packets;

namespace Starling.Broker.Cluster;

/// <summary>
/// Links this broker to the other nodes of a cluster (NATS JetStream later, see DESIGN.md): it forwards routed messages
/// to nodes that have matching subscribers and claims client ids cluster-wide, so a reconnect on any node takes the
/// session over. One node uses <see cref="SingleNodeBus"/>.
/// </summary>
public interface IClusterBus
{
    /// <summary>Called after a message was routed on this node; forwards it to the other nodes that need it. Must not block.</summary>
    void Forward(PublishPacket message, string? publisherClientId);

    /// <summary>
    /// Claims <paramref name="clientId"/> for a connection on this node before its session is opened; the node that
    /// held it must close its connection (takeover). False refuses the connection (CONNACK 0x89 Server busy).
    /// </summary>
    ValueTask<bool> ClaimClientIdAsync(string clientId, CancellationToken cancellationToken);
}
