namespace Starling.Protocol.Topics;

/// <summary>Parses shared subscription filters <c>$share/{ShareName}/{filter}</c> [MQTT-4.8.2].</summary>
public static class SharedSubscription
{
    /// <summary>The prefix that marks a shared subscription.</summary>
    public const string Prefix = "$share/";

    /// <summary>True when the filter starts with <c>$share/</c>.</summary>
    public static bool HasSharePrefix(ReadOnlySpan<char> filter) => filter.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// Splits a shared subscription into its share name and topic filter. False when it is not one, when the share
    /// name is empty [MQTT-4.8.2-1], holds a wildcard, or no filter follows [MQTT-4.8.2-2].
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> filter, out ReadOnlySpan<char> shareName, out ReadOnlySpan<char> topicFilter)
    {
        shareName = default;
        topicFilter = default;
        if (!HasSharePrefix(filter))
        {
            return false;
        }

        var rest = filter[Prefix.Length..];
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        shareName = rest[..slash];
        topicFilter = rest[(slash + 1)..];
        return shareName.IndexOfAny('+', '#') < 0 && !topicFilter.IsEmpty;
    }

    /// <summary>String form of <see cref="TryParse(ReadOnlySpan{char}, out ReadOnlySpan{char}, out ReadOnlySpan{char})"/>.</summary>
    public static bool TryParse(string filter, out string shareName, out string topicFilter)
    {
        if (TryParse(filter.AsSpan(), out var share, out var inner))
        {
            shareName = share.ToString();
            topicFilter = inner.ToString();
            return true;
        }

        shareName = "";
        topicFilter = "";
        return false;
    }
}
