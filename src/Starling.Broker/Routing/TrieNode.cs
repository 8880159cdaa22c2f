using System.Collections.Concurrent;

namespace Starling.Broker.Routing;

/// <summary>
/// One topic level of the subscription trie. Readers never lock: every field is replaced whole (copy-on-write) or is
/// a concurrent dictionary; writers hold the trie's write lock.
/// </summary>
internal sealed class TrieNode
{
    private const int LargeThreshold = 16;

    private volatile string[] _keys = [];
    private volatile TrieNode[] _nodes = [];
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

    private int ChildCount => _large?.Count ?? _keys.Length;

    public TrieNode? Find(ReadOnlySpan<char> level)
    {
        if (Volatile.Read(ref _large) is not null)
        {
            return _largeLookup.TryGetValue(level, out var node) ? node : null;
        }

        var keys = _keys;
        var nodes = _nodes;
        for (var i = 0; i < keys.Length && i < nodes.Length; i++)
        {
            if (level.SequenceEqual(keys[i]))
            {
                return nodes[i];
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
        else if (_keys.Length + 1 >= LargeThreshold)
        {
            var large = new ConcurrentDictionary<string, TrieNode>(StringComparer.Ordinal);
            for (var i = 0; i < _keys.Length; i++)
            {
                large[_keys[i]] = _nodes[i];
            }

            large[level] = child;
            _largeLookup = large.GetAlternateLookup<ReadOnlySpan<char>>();
            Volatile.Write(ref _large, large);
        }
        else
        {
            // Nodes first: a reader that sees the new keys array also sees a nodes array at least as long.
            _nodes = [.. _nodes, child];
            _keys = [.. _keys, level];
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
            var index = Array.IndexOf(_nodes, child);
            if (index >= 0)
            {
                _keys = [.. _keys[..index], .. _keys[(index + 1)..]];
                _nodes = [.. _nodes[..index], .. _nodes[(index + 1)..]];
            }
        }
    }
}
