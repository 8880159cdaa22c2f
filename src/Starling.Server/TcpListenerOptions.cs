namespace Starling.Server;

/// <summary>How a <see cref="TcpListenerService"/> runs its sockets.</summary>
public sealed class TcpListenerOptions
{
    /// <summary>
    /// Threads that wait for socket events and run the broker's read loops (Linux epoll engine). One, the default,
    /// handles every connection's packets in the order they arrived, as Mosquitto does: a SUBSCRIBE sent just before
    /// another client's PUBLISH takes effect first. More use more cores; MQTT promises order per connection only.
    /// </summary>
    public int IoThreads { get; set; } = 1;

    /// <summary>
    /// Use the runtime's sockets (<see cref="System.Net.Sockets.Socket"/>) instead of Starling's epoll engine on
    /// Linux. Elsewhere the runtime's sockets are always used; their thread count follows the runtime's settings.
    /// </summary>
    public bool UseRuntimeSockets { get; set; }
}
