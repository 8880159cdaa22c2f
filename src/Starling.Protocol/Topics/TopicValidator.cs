namespace Starling.Protocol.Topics;

/// <summary>Topic name and topic filter rules of section 4.7 and shared subscriptions of section 4.8.2.</summary>
public static class TopicValidator
{
    /// <summary>
    /// A topic name is at least one character [MQTT-4.7.3-1], has no wildcard characters [MQTT-4.7.0-1] and no U+0000
    /// [MQTT-4.7.3-2].
    /// </summary>
    public static bool IsValidTopicName(ReadOnlySpan<char> topic) =>
        !topic.IsEmpty && topic.IndexOfAny('+', '#', '\0') < 0;

    /// <summary>
    /// A topic filter is at least one character [MQTT-4.7.3-1]; <c>#</c> stands alone as the last level
    /// [MQTT-4.7.1-1]; <c>+</c> stands alone in its level [MQTT-4.7.1-2]; a <c>$share/{ShareName}/{filter}</c> has a
    /// non-empty share name [MQTT-4.8.2-1] without wildcards, followed by a valid filter [MQTT-4.8.2-2].
    /// </summary>
    public static bool IsValidTopicFilter(ReadOnlySpan<char> filter) => FindViolation(filter) is null;

    /// <summary>The normative statement a topic filter breaks (5.0 numbering), or null when it is valid.</summary>
    public static string? FindViolation(ReadOnlySpan<char> filter)
    {
        if (filter.IsEmpty)
        {
            return "MQTT-4.7.3-1";
        }

        if (filter.Contains('\0'))
        {
            return "MQTT-4.7.3-2";
        }

        if (!SharedSubscription.HasSharePrefix(filter))
        {
            return FindPlainViolation(filter);
        }

        var rest = filter[SharedSubscription.Prefix.Length..];
        var slash = rest.IndexOf('/');
        if (slash == 0 || rest.IsEmpty)
        {
            return "MQTT-4.8.2-1";
        }

        if (slash < 0 || slash == rest.Length - 1 || rest[..slash].IndexOfAny('+', '#') >= 0)
        {
            return "MQTT-4.8.2-2";
        }

        return FindPlainViolation(rest[(slash + 1)..]);
    }

    /// <summary>True when the filter contains <c>+</c> or <c>#</c>.</summary>
    public static bool HasWildcards(ReadOnlySpan<char> filter) => filter.IndexOfAny('+', '#') >= 0;

    private static string? FindPlainViolation(ReadOnlySpan<char> filter)
    {
        var levelStart = 0;
        for (var i = 0; i <= filter.Length; i++)
        {
            if (i < filter.Length && filter[i] != '/')
            {
                continue;
            }

            var level = filter[levelStart..i];
            if (level.Length > 1 && level.Contains('#'))
            {
                return "MQTT-4.7.1-1";
            }

            if (level.Length > 1 && level.Contains('+'))
            {
                return "MQTT-4.7.1-2";
            }

            if (level.Length == 1 && level[0] == '#' && i != filter.Length)
            {
                return "MQTT-4.7.1-1";
            }

            levelStart = i + 1;
        }

        return null;
    }
}
