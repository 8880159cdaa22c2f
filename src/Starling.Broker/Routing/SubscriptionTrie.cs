namespace Starling.Broker.Routing;

/// <summary>
/// All subscriptions by topic level. Matching walks only the branches a topic can reach, so its cost depends on the
/// matching subscriptions, not on how many exist; it takes no lock. Subscribe and unsubscribe take one write lock.
/// </summary>
internal sealed class SubscriptionTrie
{
    private readonly TrieNode _root = new(null, "");
    private readonly Lock _writeLock = new();

    /// <summary>Adds or replaces the session's subscription to the same filter. Returns true when it replaced one.</summary>
    public bool Add(Subscription subscription)
    {
        lock (_writeLock)
        {
            var node = GetOrAddNode(subscription.TopicFilter);
            if (subscription.ShareName is { } share)
            {
                var group = Array.Find(node.Groups, g => g.Name == share);
                if (group is null)
                {
                    group = new SharedGroup(share);
                    node.Groups = [.. node.Groups, group];
                }

                var existed = Array.Exists(group.Members, m => m.Session == subscription.Session);
                group.Set(subscription);
                return existed;
            }

            var subscribers = node.Subscribers;
            var index = Array.FindIndex(subscribers, s => s.Session == subscription.Session);
            if (index >= 0)
            {
                var copy = (Subscription[])subscribers.Clone();
                copy[index] = subscription;
                node.Subscribers = copy;
                return true;
            }

            node.Subscribers = [.. subscribers, subscription];
            return false;
        }
    }

    /// <summary>Removes the subscription; prunes levels left empty.</summary>
    public void Remove(Subscription subscription)
    {
        lock (_writeLock)
        {
            var node = FindNode(subscription.TopicFilter);
            if (node is null)
            {
                return;
            }

            if (subscription.ShareName is { } share)
            {
                var group = Array.Find(node.Groups, g => g.Name == share);
                if (group is not null && group.Remove(subscription.Session))
                {
                    node.Groups = Array.FindAll(node.Groups, g => g != group);
                }
            }
            else
            {
                node.Subscribers = Array.FindAll(node.Subscribers, s => s != subscription);
            }

            while (node.Parent is { } parent && node.IsEmpty)
            {
                parent.RemoveChild(node);
                node = parent;
            }
        }
    }

    /// <summary>Adds every subscription whose filter matches <paramref name="topic"/> to <paramref name="matches"/>.</summary>
    public void Match(ReadOnlySpan<char> topic, RouteMatches matches)
    {
        // A topic starting with '$' is not matched by a filter starting with a wildcard [MQTT-4.7.2-1].
        MatchLevel(_root, topic, matches, skipWildcards: !topic.IsEmpty && topic[0] == '$');
    }

    private static void MatchLevel(TrieNode node, ReadOnlySpan<char> topic, RouteMatches matches, bool skipWildcards)
    {
        var slash = topic.IndexOf('/');
        var level = slash < 0 ? topic : topic[..slash];
        var rest = slash < 0 ? default : topic[(slash + 1)..];
        var last = slash < 0;
        if (!skipWildcards)
        {
            if (node.Hash is { } hash)
            {
                matches.Add(hash);
            }

            if (node.Plus is { } plus)
            {
                Descend(plus, rest, last, matches);
            }
        }

        if (node.Find(level) is { } child)
        {
            Descend(child, rest, last, matches);
        }
    }

    private static void Descend(TrieNode child, ReadOnlySpan<char> rest, bool last, RouteMatches matches)
    {
        if (last)
        {
            matches.Add(child);

            // "sport/#" also matches "sport" [MQTT-4.7.1-2].
            if (child.Hash is { } hash)
            {
                matches.Add(hash);
            }
        }
        else
        {
            MatchLevel(child, rest, matches, skipWildcards: false);
        }
    }

    private TrieNode GetOrAddNode(string filter)
    {
        var node = _root;
        foreach (var range in filter.AsSpan().Split('/'))
        {
            node = node.GetOrAddChild(filter[range]);
        }

        return node;
    }

    private TrieNode? FindNode(string filter)
    {
        var node = _root;
        foreach (var range in filter.AsSpan().Split('/'))
        {
            var level = filter.AsSpan()[range];
            node = level switch
            {
                "+" => node.Plus,
                "#" => node.Hash,
                _ => node.Find(level),
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }
}
