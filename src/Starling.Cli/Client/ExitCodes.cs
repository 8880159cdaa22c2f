namespace Starling.Cli.Client;

/// <summary>Exit codes of <c>starling pub</c> and <c>starling sub</c> (documented in docs/client.md).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Bad flags or input (the parser's own errors also exit with 1).</summary>
    public const int Usage = 1;

    /// <summary>The broker could not be reached (refused TCP connection, DNS, TLS handshake, timeout).</summary>
    public const int ConnectFailed = 2;

    /// <summary>The broker answered CONNACK with a failure (bad credentials, not authorized, ...).</summary>
    public const int ConnectRefused = 3;

    /// <summary>A PUBLISH or SUBSCRIBE was refused by the broker (reason code 0x80 or above).</summary>
    public const int Rejected = 4;

    /// <summary>The connection was lost and could not be restored.</summary>
    public const int ConnectionLost = 5;

    /// <summary><c>pub</c> interrupted (Ctrl-C, SIGTERM) with a message not yet acknowledged: 128 + SIGINT, as shells report.</summary>
    public const int Interrupted = 130;

    /// <summary><c>sub -W</c>: the time limit passed before <c>-C</c> messages arrived (as mosquitto_sub's ETIMEDOUT).</summary>
    public const int Timeout = 27;
}
