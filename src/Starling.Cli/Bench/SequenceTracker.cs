namespace Starling.Cli.Bench;

/// <summary>
/// What arrived from each publisher (by the index in the payload): the next sequence expected and the sequences below
/// it not received yet (usually none), which tells a late message (reordered) from a second copy (duplicate) in
/// memory proportional to the gaps. One tracker may be shared by the members of a shared-subscription group, so a
/// message counts once across the group; hence the lock (uncontended for a tracker of its own).
/// </summary>
internal sealed class SequenceTracker
{
    /// <summary>Publisher indexes above this are taken for foreign payloads, not grown into.</summary>
    public const int MaximumPublishers = 1 << 20;

    private const int MaximumHoles = 1 << 20;
    private readonly Lock _gate = new();
    private readonly bool _startAtFirstSeen;
    private Track?[] _tracks = new Track?[16];
    private long _duplicates;
    private long _reordered;
    private long _foreign;

    /// <param name="startAtFirstSeen">
    /// False when the publishers are known to start at sequence 0 (<c>bench run</c>); true for a standalone subscriber,
    /// which may join a publisher mid-run: its first message sets where counting starts.
    /// </param>
    public SequenceTracker(bool startAtFirstSeen) => _startAtFirstSeen = startAtFirstSeen;

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Reordered => Interlocked.Read(ref _reordered);

    /// <summary>Payloads too short or with an impossible publisher index: not from <c>starling bench</c>.</summary>
    public long Foreign => Interlocked.Read(ref _foreign);

    /// <summary>Records one message; false when it is a second copy (or foreign) and true when it is new.</summary>
    public bool Observe(int publisher, long sequence)
    {
        lock (_gate)
        {
            if (publisher is < 0 or >= MaximumPublishers || sequence < 0)
            {
                _foreign++;
                return false;
            }

            var track = TrackOf(publisher, sequence);
            if (sequence >= track.Next)
            {
                AddHoles(track, track.Next, sequence);
                track.Next = sequence + 1;
                return true;
            }

            if (sequence < track.First)
            {
                // Counting started at a later message that overtook this one (members of a shared group receive in
                // parallel): nothing below the start was seen yet, so this is new, and counting now starts here.
                AddHoles(track, sequence + 1, track.First);
                track.First = sequence;
                _reordered++;
                return true;
            }

            if (track.Holes.Remove(sequence))
            {
                _reordered++;
                return true;
            }

            _duplicates++;
            return false;
        }
    }

    private static void AddHoles(Track track, long from, long to)
    {
        for (var missing = from; missing < to; missing++)
        {
            if (track.Holes.Count >= MaximumHoles)
            {
                // Past the bound the gap is counted but no longer remembered: a late copy of it will be taken for a
                // duplicate.
                track.Forgotten += to - missing;
                return;
            }

            track.Holes.Add(missing);
        }
    }

    /// <summary>Distinct messages received from <paramref name="publisher"/>.</summary>
    public long Distinct(int publisher)
    {
        lock (_gate)
        {
            return publisher < _tracks.Length && _tracks[publisher] is { } track ? track.Next - track.First - track.Holes.Count - track.Forgotten : 0;
        }
    }

    /// <summary>Sequences skipped and never filled in, over every publisher ("lost (gaps)").</summary>
    public long Gaps()
    {
        lock (_gate)
        {
            var gaps = 0L;
            foreach (var track in _tracks)
            {
                gaps += track is null ? 0 : track.Holes.Count + track.Forgotten;
            }

            return gaps;
        }
    }

    /// <summary>The indexes of the publishers heard from.</summary>
    public IReadOnlyList<int> Publishers()
    {
        lock (_gate)
        {
            return [.. Enumerable.Range(0, _tracks.Length).Where(i => _tracks[i] is not null)];
        }
    }

    private Track TrackOf(int publisher, long sequence)
    {
        if (publisher >= _tracks.Length)
        {
            Array.Resize(ref _tracks, Math.Max(publisher + 1, _tracks.Length * 2));
        }

        if (_tracks[publisher] is not { } track)
        {
            var first = _startAtFirstSeen ? sequence : 0;
            track = new Track { First = first, Next = first };
            _tracks[publisher] = track;
        }

        return track;
    }

    private sealed class Track
    {
        public long First;
        public long Next;
        public long Forgotten;
        public readonly HashSet<long> Holes = [];
    }
}
