namespace Starling.Protocol.Topics;

/// <summary>Matches a topic name against a topic filter (section 4.7).</summary>
public static class TopicMatcher
{
    /// <summary>
    /// Whether <paramref name="topic"/> matches <paramref name="filter"/>. <c>+</c> matches exactly one level (which
    /// may be empty), <c>#</c> the parent level and any number of child levels (§4.7.1.2, §4.7.1.3); a topic starting with
    /// <c>$</c> is not matched by a filter starting with a wildcard [MQTT-4.7.2-1]. Both arguments are assumed valid.
    /// </summary>
    public static bool Matches(ReadOnlySpan<char> filter, ReadOnlySpan<char> topic)
    {
        if (!topic.IsEmpty && topic[0] == '$' && !filter.IsEmpty && (filter[0] == '+' || filter[0] == '#'))
        {
            return false;
        }

        while (true)
        {
            var filterSlash = filter.IndexOf('/');
            var filterLevel = filterSlash < 0 ? filter : filter[..filterSlash];
            if (filterLevel.Length == 1 && filterLevel[0] == '#')
            {
                return true;
            }

            var topicSlash = topic.IndexOf('/');
            var topicLevel = topicSlash < 0 ? topic : topic[..topicSlash];
            if (!(filterLevel.Length == 1 && filterLevel[0] == '+') && !filterLevel.SequenceEqual(topicLevel))
            {
                return false;
            }

            if (filterSlash < 0 || topicSlash < 0)
            {
                // Both end here, or the filter continues with "/#" which also matches the parent level.
                return filterSlash < 0 && topicSlash < 0
                    || (topicSlash < 0 && filter[(filterSlash + 1)..].SequenceEqual("#"));
            }

            filter = filter[(filterSlash + 1)..];
            topic = topic[(topicSlash + 1)..];
        }
    }
}
