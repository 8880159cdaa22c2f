using Starling.TestKit;

namespace Starling.Interop.Tests.Support;

/// <summary>Waits on broker state that a client process does not print: its subscriptions, its disconnection.</summary>
internal static class BrokerWaits
{
    /// <summary>Waits until <paramref name="clientId"/> is connected and its session holds <paramref name="filter"/>.</summary>
    public static Task WaitForSubscriptionAsync(this BrokerFixture broker, string clientId, string filter, CancellationToken cancellationToken) =>
        WaitFor.ConditionAsync(() => broker.Broker.GetClients().Any(c => c.ClientId == clientId && c.Subscriptions.Contains(filter)),
            InteropClients.Timeout, $"{clientId} to subscribe to {filter}", cancellationToken);

    /// <summary>Waits until the broker no longer lists <paramref name="clientId"/> as connected.</summary>
    public static Task WaitForDisconnectionAsync(this BrokerFixture broker, string clientId, CancellationToken cancellationToken) =>
        WaitFor.ConditionAsync(() => broker.Broker.GetClients().All(c => c.ClientId != clientId),
            InteropClients.Timeout, $"{clientId} to be disconnected", cancellationToken);
}
