using Starling.Broker.Routing;
using Starling.Broker.Storage;

namespace Starling.Broker.Retained;

/// <summary>
/// The last retained message of each topic [MQTT-3.3.1-5], in a level trie so a wildcard subscribe visits only the
/// branches its filter can reach. Writes (a retained PUBLISH) and reads (a SUBSCRIBE) take one lock: both are far
/// rarer than routing. Every change is recorded in the store journal when the broker has a store.
/// </summary>
internal sealed class RetainedStore
{
    private readonly Lock _lock = new();
    private readonly Node _root = new(null, "");
    private readonly PriorityQueue<BrokerMessage, long> _expiries = new();
    private List<BrokerMessage>? _expiredDuringWalk;
    private readonly int _maximumCount;
    private readonly StoreJournal? _journal;
    private int _count;

    public RetainedStore(int maximumCount, StoreJournal? journal)
    {
        _maximumCount = maximumCount;
        _journal = journal;
    }

    /// <summary>Retained messages refused because the store was full.</summary>
    public long Refused;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Stores or replaces the retained message of its topic; an empty payload deletes it [MQTT-3.3.1-6], [MQTT-3.3.1-7].</summary>
    public void Set(BrokerMessage message) => _ = Set(message, journal: _journal);


    /// <summary>Puts back a retained message loaded from the store (not recorded again); false when the store is full.</summary>
    public bool Restore(BrokerMessage message) => Set(message, journal: null);

    private bool Set(BrokerMessage message, StoreJournal? journal)
    {
        lock (_lock)
        {
            if (message.Packet.Payload.IsEmpty)
            {
                Remove(message.Topic);
                return true;
            }

            var node = _root;
            foreach (var range in message.Topic.AsSpan().Split('/'))
            {
                var level = message.Topic[range];
                node.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
                if (!node.Children.TryGetValue(level, out var child))
                {
                    child = new Node(node, level);
                    node.Children[level] = child;
                }

                node = child;
            }

            if (node.Message is null)
            {
                if (_count >= _maximumCount)
                {
                    // Full: a new topic is not retained (replacing an existing one still is); counted.
                    Refused++;
                    return false;
                }

                _count++;
            }

            journal?.SetRetained(message, node.Message);
            node.Message = message;
            if (message.ExpiresAt != long.MaxValue)
            {
                _expiries.Enqueue(message, message.ExpiresAt);
            }

            return true;
        }
    }

    /// <summary>Adds the live retained messages matching <paramref name="filter"/> to <paramref name="results"/>; drops expired ones.</summary>
    public void Match(string filter, List<BrokerMessage> results)
    {
        var now = Environment.TickCount64;
        lock (_lock)
        {
            var levels = filter.Split('/');
            Match(_root, levels, 0, results, now);
            DeleteExpiredFoundByWalk();
        }
    }

    /// <summary>Deletes the retained messages whose expiry passed [MQTT-3.3.2-5]; called by housekeeping.</summary>
    public void PurgeExpired(long now)
    {
        lock (_lock)
        {
            while (_expiries.TryPeek(out var message, out var expiresAt) && expiresAt <= now)
            {
                _expiries.Dequeue();
                if (Find(message.Topic) is { } node && node.Message == message)
                {
                    Remove(message.Topic);
                }
            }
        }
    }

    /// <summary>Every live retained message, <c>$</c> topics included.</summary>
    public List<BrokerMessage> Snapshot()
    {
        var results = new List<BrokerMessage>();
        lock (_lock)
        {
            Collect(_root, results, Environment.TickCount64);
            DeleteExpiredFoundByWalk();
        }

        return results;
    }

    private void Match(Node node, string[] levels, int index, List<BrokerMessage> results, long now)
    {
        if (index == levels.Length)
        {
            Add(node, results, now);
            return;
        }

        var level = levels[index];
        if (level == "#")
        {
            // '#' matches the parent level too; a leading wildcard skips '$' topics [MQTT-4.7.2-1].
            Add(node, results, now);
            CollectChildren(node, results, now, skipDollar: index == 0);
            return;
        }

        if (node.Children is null)
        {
            return;
        }

        if (level == "+")
        {
            foreach (var (key, child) in node.Children)
            {
                if (index == 0 && key.StartsWith('$'))
                {
                    continue;
                }

                Match(child, levels, index + 1, results, now);
            }
        }
        else if (node.Children.TryGetValue(level, out var child))
        {
            Match(child, levels, index + 1, results, now);
        }
    }

    private void CollectChildren(Node node, List<BrokerMessage> results, long now, bool skipDollar)
    {
        if (node.Children is null)
        {
            return;
        }

        foreach (var (key, child) in node.Children)
        {
            if (skipDollar && key.StartsWith('$'))
            {
                continue;
            }

            Collect(child, results, now);
        }
    }

    private void Collect(Node node, List<BrokerMessage> results, long now)
    {
        Add(node, results, now);
        CollectChildren(node, results, now, skipDollar: false);
    }

    private void Add(Node node, List<BrokerMessage> results, long now)
    {
        if (node.Message is not { } message)
        {
            return;
        }

        if (message.IsExpired(now))
        {
            // Expired retained messages are not served [MQTT-3.3.2-5]; they are deleted after the walk (deleting
            // prunes nodes, which must not happen under the walk's enumerators).
            (_expiredDuringWalk ??= []).Add(message);
            return;
        }

        results.Add(message);
    }

    private void DeleteExpiredFoundByWalk()
    {
        if (_expiredDuringWalk is not { Count: > 0 } expired)
        {
            return;
        }

        foreach (var message in expired)
        {
            if (Find(message.Topic) is { } node && node.Message == message)
            {
                Remove(message.Topic);
            }
        }

        expired.Clear();
    }

    private Node? Find(string topic)
    {
        var node = _root;
        foreach (var range in topic.AsSpan().Split('/'))
        {
            if (node.Children is null || !node.Children.TryGetValue(topic[range], out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    private void Remove(string topic)
    {
        if (Find(topic) is not { Message: not null } node)
        {
            return;
        }

        _journal?.DeleteRetained(node.Message);
        node.Message = null;
        _count--;
        while (node.Parent is { } parent && node.Message is null && (node.Children is null || node.Children.Count == 0))
        {
            parent.Children!.Remove(node.Key);
            node = parent;
        }
    }

    private sealed class Node(Node? parent, string key)
    {
        public Node? Parent { get; } = parent;

        public string Key { get; } = key;

        public Dictionary<string, Node>? Children { get; set; }

        public BrokerMessage? Message { get; set; }
    }
}
