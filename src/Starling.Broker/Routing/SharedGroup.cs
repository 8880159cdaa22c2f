namespace Starling.Broker.Routing;

/// <summary>The members of one shared subscription <c>$share/{name}/{filter}</c>: each message goes to one of them.</summary>
internal sealed class SharedGroup
{
    private volatile Subscription[] _members = [];
    private int _next;
    private Subscription? _sticky;

    public SharedGroup(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public Subscription[] Members => _members;

    /// <summary>Called under the trie's write lock.</summary>
    public void Set(Subscription subscription)
    {
        var members = _members;
        var index = Array.FindIndex(members, m => m.Session == subscription.Session);
        _members = index < 0 ? [.. members, subscription] : [.. members[..index], subscription, .. members[(index + 1)..]];
    }

    /// <summary>Called under the trie's write lock. Returns true when the group became empty.</summary>
    public bool Remove(Sessions.Session session)
    {
        _members = Array.FindAll(_members, m => m.Session != session);
        return _members.Length == 0;
    }

    /// <summary>
    /// Picks the member for one message, preferring connected members; an all-offline group still queues the message
    /// in one member's session.
    /// </summary>
    public Subscription? Pick(SharedSubscriptionStrategy strategy)
    {
        var members = _members;
        if (members.Length == 0)
        {
            return null;
        }

        if (strategy == SharedSubscriptionStrategy.Sticky && _sticky is { } sticky && sticky.Session.IsOnline && Array.IndexOf(members, sticky) >= 0)
        {
            return sticky;
        }

        var start = strategy == SharedSubscriptionStrategy.Random
            ? System.Random.Shared.Next(members.Length)
            : (int)((uint)Interlocked.Increment(ref _next) % (uint)members.Length);
        for (var i = 0; i < members.Length; i++)
        {
            var candidate = members[(start + i) % members.Length];
            if (candidate.Session.IsOnline)
            {
                _sticky = candidate;
                return candidate;
            }
        }

        return members[start];
    }
}
