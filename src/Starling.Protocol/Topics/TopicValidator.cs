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
    /// [MQTT-4.7.1-1]; <c>+</c> stands alone in its level [MQTT-4.7.1-2]; a <c>$share/{group}/{filter}</c> has a
    /// non-empty group without wildcards and a valid filter [MQTT-4.8.2-1], [MQTT-4.8.2-2].
    /// </summary>
    public static bool IsValidTopicFilter(ReadOnlySpan<char> filter)
    {
        if (filter.IsEmpty || filter.Contains('\0'))
        {
            return false;
        }

        if (SharedSubscription.HasSharePrefix(filter))
        {
            return SharedSubscription.TryParse(filter, out _, out var inner) && IsValidPlainFilter(inner);
        }

        return IsValidPlainFilter(filter);
    }

    /// <summary>True when the filter contains <c>+</c> or <c>#</c>.</summary>
    public static bool HasWildcards(ReadOnlySpan<char> filter) => filter.IndexOfAny('+', '#') >= 0;

    private static bool IsValidPlainFilter(ReadOnlySpan<char> filter)
    {
        if (filter.IsEmpty)
        {
            return false;
        }

        var levelStart = 0;
        for (var i = 0; i <= filter.Length; i++)
        {
            if (i < filter.Length && filter[i] != '/')
            {
                continue;
            }

            var level = filter[levelStart..i];
            if (level.Length > 1 && level.IndexOfAny('+', '#') >= 0)
            {
                return false;
            }

            if (level.Length == 1 && level[0] == '#' && i != filter.Length)
            {
                return false;
            }

            levelStart = i + 1;
        }

        return true;
    }
}
