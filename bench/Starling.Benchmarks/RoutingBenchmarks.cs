using BenchmarkDotNet.Attributes;
using Starling.Broker;
using Starling.Broker.Retained;
using Starling.Broker.Routing;
using Starling.Broker.Sessions;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Benchmarks;

/// <summary>
/// Subscription matching against one million subscriptions (a quarter each exact, <c>+</c>, <c>#</c> and shared, held
/// by 1,000 sessions): the cost must depend on the matching subscriptions, not on how many exist. Each benchmark
/// matches one topic and returns the number of matches. Sizes scale with <see cref="BenchScale"/> (the allocation
/// budget check runs them at 1%: allocation does not depend on size).
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private static readonly int Count = BenchScale.Of(1_000_000);

    private readonly SubscriptionTrie _trie = new();
    private readonly RouteMatches _matches = new();
    private readonly string _exact = $"site/{Count / 8}/temperature";
    private readonly string _plus = $"plus/{Count / 8}/anything";
    private readonly string _hash = $"hash/{Count / 8}/a/b/c";
    private readonly string _shared = $"shared/{Count / 8}/job";
    private readonly string _nothing = $"nowhere/{Count / 8}/x";

    [GlobalSetup]
    public void Setup()
    {
        var options = new BrokerOptions();
        var sessions = new Session[1000];
        for (var i = 0; i < sessions.Length; i++)
        {
            sessions[i] = new Session($"client-{i}", options, journal: null);
        }

        for (var i = 0; i < Count / 4; i++)
        {
            var session = sessions[i % sessions.Length];
            _trie.Add(new Subscription(session, new TopicSubscription($"site/{i}/temperature", QualityOfService.AtLeastOnce), 0));
            _trie.Add(new Subscription(session, new TopicSubscription($"plus/{i}/+", QualityOfService.AtLeastOnce), 0));
            _trie.Add(new Subscription(session, new TopicSubscription($"hash/{i}/#", QualityOfService.AtLeastOnce), 0));
            _trie.Add(new Subscription(session, new TopicSubscription($"$share/workers/shared/{i}/+", QualityOfService.AtLeastOnce), 0));
        }
    }

    [Benchmark]
    public int MatchExact() => Match(_exact);

    [Benchmark]
    public int MatchPlus() => Match(_plus);

    [Benchmark]
    public int MatchHash() => Match(_hash);

    [Benchmark]
    public int MatchShared() => Match(_shared);

    [Benchmark]
    public int MatchNothing() => Match(_nothing);

    private int Match(string topic)
    {
        _trie.Match(topic, _matches);
        var found = _matches.Subscriptions.Count + _matches.Overlapping.Count + _matches.Groups.Count;
        _matches.Clear();
        return found;
    }
}

/// <summary>
/// Retained-message lookup for a wildcard SUBSCRIBE over one million retained topics (<c>r/{0..999}/{0..999}</c>):
/// the filter's shape decides which branches are walked. Returns the number of messages found (1,000 each).
/// </summary>
[MemoryDiagnoser]
public class RetainedBenchmarks
{
    private readonly RetainedStore _store = new(2_000_000, journal: null);
    private readonly List<BrokerMessage> _results = new(2048);
    private readonly string _plusLast = $"r/{BenchScale.Of(1000) / 2}/+";
    private readonly string _hash = $"r/{BenchScale.Of(1000) / 3}/#";

    [GlobalSetup]
    public void Setup()
    {
        var payload = new byte[16];
        for (var i = 0; i < BenchScale.Of(1_000_000); i++)
        {
            _store.Set(new BrokerMessage(new PublishPacket { Topic = $"r/{i / 1000}/{i % 1000}", Payload = payload, Retain = true }, null, 0));
        }
    }

    [Benchmark]
    public int RetainedPlusLast() => Lookup(_plusLast);

    [Benchmark]
    public int RetainedPlusMiddle() => Lookup("r/+/7");

    [Benchmark]
    public int RetainedHash() => Lookup(_hash);

    private int Lookup(string filter)
    {
        _store.Match(filter, _results);
        var found = _results.Count;
        _results.Clear();
        return found;
    }
}
