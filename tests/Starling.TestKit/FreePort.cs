using System.Net;
using System.Net.Sockets;

namespace Starling.TestKit;

/// <summary>Loopback ports for servers that tests start as separate processes.</summary>
public static class FreePort
{
    // Below Linux's ephemeral range (32768-60999): a port handed out there can be taken as the source port of any
    // outgoing connection of the tests running in parallel before the server binds it ("address already in use").
    private const int First = 20000;
    private const int Count = 12000;
    private static int s_next = First + Random.Shared.Next(Count);

    /// <summary>A port that was free a moment ago and that no outgoing connection picks by itself.</summary>
    public static int Get()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (Interlocked.Increment(ref s_next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {First + Count}.");
    }
}
