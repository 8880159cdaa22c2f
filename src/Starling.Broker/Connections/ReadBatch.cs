namespace Starling.Broker.Connections;

/// <summary>
/// Writers woken while a read loop handles one read (the acknowledgements, CONNACK and SUBACK of its own connection,
/// the deliveries to the subscribers it routed to) are drained on that same thread when the read is done, instead of
/// each waking a thread-pool worker: one thread from the socket to the subscribers' sockets, no context switch per
/// message, and every packet of the read in one send per connection. Past <see cref="MaximumInline"/> writers (a
/// fan-out to many subscribers) the rest go to the thread pool, so other cores share the encoding and sending.
/// </summary>
internal static class ReadBatch
{
    /// <summary>Writers drained inline per read; the others are scheduled on the thread pool.</summary>
    private const int MaximumInline = 16;

    [ThreadStatic]
    private static OutboundWriter[]? t_writers;

    [ThreadStatic]
    private static int t_count;

    [ThreadStatic]
    private static int t_depth;

    /// <summary>The current thread starts handling a read.</summary>
    public static void Begin() => t_depth++;

    /// <summary>Takes a woken writer to drain at <see cref="End"/>; false outside a read or when the batch is full.</summary>
    public static bool TryDefer(OutboundWriter writer)
    {
        if (t_depth == 0)
        {
            return false;
        }

        var writers = t_writers ??= new OutboundWriter[MaximumInline];
        if (t_count == writers.Length)
        {
            return false;
        }

        writers[t_count++] = writer;
        return true;
    }

    /// <summary>The read is handled: drains the writers it woke.</summary>
    public static void End()
    {
        if (--t_depth != 0)
        {
            return;
        }

        var writers = t_writers;
        for (var i = 0; i < t_count; i++)
        {
            var writer = writers![i];
            writers[i] = null!;
            writer.DrainNow();
        }

        t_count = 0;
    }
}
