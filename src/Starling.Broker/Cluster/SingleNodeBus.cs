using Starling.Protocol.Packets;

namespace Starling.Broker.Cluster;

/// <summary>A broker alone: there is no other node to forward to, and every client id belongs to this node.</summary>
public sealed class SingleNodeBus : IClusterBus
{
    /// <summary>The shared instance.</summary>
    public static readonly SingleNodeBus Instance = new();

    /// <inheritdoc />
    public void Forward(PublishPacket message, string? publisherClientId)
    {
        // No other node.
    }

    /// <inheritdoc />
    public ValueTask<bool> ClaimClientIdAsync(string clientId, CancellationToken cancellationToken) => ValueTask.FromResult(true);
}
