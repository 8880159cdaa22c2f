using System.Net;
using System.Net.Sockets;

namespace Starling.TestKit;

/// <summary>Ephemeral loopback ports for servers started by tests.</summary>
public static class FreePort
{
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
