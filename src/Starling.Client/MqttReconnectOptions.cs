namespace Starling.Client;

/// <summary>Automatic reconnect: exponential backoff with jitter, resubscription, and resending of what was not acknowledged.</summary>
public sealed class MqttReconnectOptions
{
    /// <summary>Reconnect after a connection that was established is lost. The first <c>ConnectAsync</c> never retries.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Delay before the first attempt.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound on the delay between attempts.</summary>
    public TimeSpan MaximumDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Fraction of each delay that is random (0 to 1), so that many clients do not reconnect in step.</summary>
    public double Jitter { get; set; } = 0.5;

    /// <summary>Subscribe again to every filter when the broker did not keep the session.</summary>
    public bool Resubscribe { get; set; } = true;
}
