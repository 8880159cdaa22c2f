namespace Starling.Client.Resilience;

/// <summary>Exponential backoff with jitter: attempt n waits about InitialDelay * 2^n, capped, minus a random part.</summary>
internal static class ReconnectBackoff
{
    public static TimeSpan Delay(MqttReconnectOptions options, int attempt)
    {
        var exponential = options.InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(exponential, options.MaximumDelay.TotalMilliseconds);
        var jitter = Math.Clamp(options.Jitter, 0, 1);
        // Random.Shared is fine: the jitter only has to differ between clients, not be unpredictable.
#pragma warning disable CA5394
        var random = Random.Shared.NextDouble();
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(capped * (1 - (jitter * random)));
    }
}
