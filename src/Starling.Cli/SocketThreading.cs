namespace Starling.Cli;

/// <summary>
/// How the runtime's socket engine runs the broker's read loops. Completions run inline on the engine's epoll
/// threads, so a connection's packets go from socket to router on one thread with no hop to the thread pool (the
/// broker's read loop never blocks, which makes this safe); writers run on the thread pool.
/// With one engine thread (the default) every connection's packets are handled in the order they arrived, as in
/// Mosquitto: a SUBSCRIBE sent just before another client's PUBLISH takes effect first (the Paho interoperability
/// suite relies on this). More threads raise throughput on machines with many cores; ordering across connections is
/// then not kept (MQTT promises order per connection only).
/// Must run before the first socket is created; environment variables set by the user win.
/// </summary>
internal static class SocketThreading
{
    public static void Configure(int threads)
    {
        SetIfAbsent("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        SetIfAbsent("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void SetIfAbsent(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
