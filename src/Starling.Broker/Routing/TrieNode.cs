using System.Collections.Concurrent;

namespace Starling.Broker.Routing;

/// <summary>
/// One topic level of the subscription trie. Readers never lock: every field is replaced whole (copy-on-write) or is
/// a concurrent dictionary; writers hold the trie's write lock.
/// </summary>
internal sealed class TrieNode
{
    private const int LargeThreshold = 16;

    // Keys and nodes live in one array replaced whole, so a reader never pairs a key with another level's node.
    private volatile KeyValuePair<string, TrieNode>[] _children = [];
    private ConcurrentDictionary<string, TrieNode>? _large;
    private ConcurrentDictionary<string, TrieNode>.AlternateLookup<ReadOnlySpan<char>> _largeLookup;

    public TrieNode(TrieNode? parent, string key)
    {
        Parent = parent;
        Key = key;
    }

    public TrieNode? Parent { get; }

    public string Key { get; }

    /// <summary>The <c>+</c> child.</summary>
    public volatile TrieNode? Plus;

    /// <summary>The <c>#</c> child.</summary>
    public volatile TrieNode? Hash;

    public volatile Subscription[] Subscribers = [];

    public volatile SharedGroup[] Groups = [];

    public bool IsEmpty => Subscribers.Length == 0 && Groups.Length == 0 && Plus is null && Hash is null && ChildCount == 0;

    private int ChildCount => _large?.Count ?? _children.Length;

    public TrieNode? Find(ReadOnlySpan<char> level)
    {
        if (Volatile.Read(ref _large) is not null)
        {
            return _largeLookup.TryGetValue(level, out var node) ? node : null;
        }

        foreach (var (key, node) in _children)
        {
            if (level.SequenceEqual(key))
            {
                return node;
            }
        }

        return null;
    }

    /// <summary>Under the write lock.</summary>
    public TrieNode GetOrAddChild(string level)
    {
        if (level == "+")
        {
            return Plus ??= new TrieNode(this, level);
        }

        if (level == "#")
        {
            return Hash ??= new TrieNode(this, level);
        }

        if (Find(level) is { } existing)
        {
            return existing;
        }

        var child = new TrieNode(this, level);
        if (_large is not null)
        {
            _large[level] = child;
        }
        else if (_children.Length + 1 >= LargeThreshold)
        {
            var large = new ConcurrentDictionary<string, TrieNode>(_children, StringComparer.Ordinal);

            large[level] = child;
            _largeLookup = large.GetAlternateLookup<ReadOnlySpan<char>>();
            Volatile.Write(ref _large, large);
        }
        else
        {
            _children = [.. _children, new(level, child)];
        }

        return child;
    }

    /// <summary>Under the write lock.</summary>
    public void RemoveChild(TrieNode child)
    {
        if (child == Plus)
        {
            Plus = null;
        }
        else if (child == Hash)
        {
            Hash = null;
        }
        else if (_large is not null)
        {
            _large.TryRemove(child.Key, out _);
        }
        else
        {
            _children = Array.FindAll(_children, entry => entry.Value != child);
        }
    }
}
