namespace Starling.Broker.Security;

/// <summary>
/// Decides whether a client may publish to a topic or subscribe to a filter. Called on the connection's read loop for
/// every PUBLISH: implementations must answer quickly from memory and never block.
/// </summary>
public interface IAuthorizer
{
    /// <summary>Whether <paramref name="clientId"/> may publish to <paramref name="topic"/>.</summary>
    bool CanPublish(string clientId, string? userName, string topic);

    /// <summary>Whether <paramref name="clientId"/> may subscribe to <paramref name="topicFilter"/>.</summary>
    bool CanSubscribe(string clientId, string? userName, string topicFilter);
}
