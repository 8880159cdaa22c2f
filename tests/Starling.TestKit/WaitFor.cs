namespace Starling.TestKit;

/// <summary>Waits on a condition with a deadline, polling briefly; for state that raises no event.</summary>
public static class WaitFor
{
    public static async Task ConditionAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false); // ok-to-sleep: polling interval of a bounded wait
        }
    }
}
