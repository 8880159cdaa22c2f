using Starling.Protocol;

namespace Starling.Broker.Security;

/// <summary>The default policy of a fresh broker: every client may connect, publish and subscribe (anonymous access).</summary>
public sealed class AllowAll : IAuthenticator, IAuthorizer
{
    /// <summary>The shared instance.</summary>
    public static readonly AllowAll Instance = new();

    /// <inheritdoc />
    public ValueTask<ReasonCode> AuthenticateAsync(ConnectionRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(ReasonCode.Success);

    /// <inheritdoc />
    public bool CanPublish(string clientId, string? userName, string topic) => true;

    /// <inheritdoc />
    public bool CanSubscribe(string clientId, string? userName, string topicFilter) => true;
}
