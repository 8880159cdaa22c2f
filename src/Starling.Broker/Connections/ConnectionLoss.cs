namespace Starling.Broker.Connections;

/// <summary>The exceptions that mean the peer or its transport went away, as opposed to a defect worth logging.</summary>
internal static class ConnectionLoss
{
    public static bool Is(Exception exception) =>
        exception is IOException or OperationCanceledException or ObjectDisposedException
            or System.Net.Sockets.SocketException or InvalidOperationException;
}
