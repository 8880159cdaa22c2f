namespace Starling.Cli.Bench;

/// <summary>
/// Topic patterns of the bench commands, as in emqtt-bench: <c>%i</c> stands for the client index and <c>%c</c> for
/// the client id. Expanded once per client at start, never per message.
/// </summary>
internal static class TopicPattern
{
    public static string Expand(string pattern, int index, string clientId) =>
        pattern.Replace("%i", index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%c", clientId, StringComparison.Ordinal);

    /// <summary>The pattern as one filter matching every client's topic: each placeholder becomes a <c>+</c> level.</summary>
    public static string AsWildcardFilter(string pattern) =>
        pattern.Replace("%i", "+", StringComparison.Ordinal).Replace("%c", "+", StringComparison.Ordinal);

    public static bool HasPlaceholder(string pattern) =>
        pattern.Contains("%i", StringComparison.Ordinal) || pattern.Contains("%c", StringComparison.Ordinal);
}
