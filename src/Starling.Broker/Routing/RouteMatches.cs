namespace Starling.Broker.Routing;

/// <summary>
/// Scratch space for one routing operation, reused per thread: the matched subscriptions and shared groups. Lists
/// keep their capacity, so steady-state routing allocates nothing here.
/// </summary>
internal sealed class RouteMatches
{
    public List<Subscription> Subscriptions { get; } = new(16);

    public List<SharedGroup> Groups { get; } = new(4);

    /// <summary>Subscriptions of sessions that have more than one subscription: they may overlap and need merging.</summary>
    public List<Subscription> Overlapping { get; } = new(16);

    public void Add(TrieNode node)
    {
        foreach (var subscription in node.Subscribers)
        {
            if (subscription.Session.SubscriptionCount > 1)
            {
                Overlapping.Add(subscription);
            }
            else
            {
                Subscriptions.Add(subscription);
            }
        }

        Groups.AddRange(node.Groups);
    }

    public void Clear()
    {
        Subscriptions.Clear();
        Groups.Clear();
        Overlapping.Clear();
    }
}
