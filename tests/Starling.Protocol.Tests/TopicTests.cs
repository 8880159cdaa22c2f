using Starling.Protocol.Topics;

namespace Starling.Protocol.Tests;

/// <summary>Topic names, filters, matching and shared subscriptions (sections 4.7 and 4.8).</summary>
public sealed class TopicTests
{
    [Theory]
    [InlineData("sport/tennis/player1", "sport/tennis/player1/#", true)] // [MQTT-4.7.1-2] # matches the parent level
    [InlineData("sport/tennis/player1/ranking", "sport/tennis/player1/#", true)]
    [InlineData("sport/tennis/player1/score/wimbledon", "sport/tennis/player1/#", true)]
    [InlineData("sport", "sport/#", true)]
    [InlineData("sports", "sport/#", false)]
    [InlineData("sport/tennis/player1", "sport/tennis/+", true)]
    [InlineData("sport/tennis/player1/ranking", "sport/tennis/+", false)]
    [InlineData("sport", "sport/+", false)]
    [InlineData("sport/", "sport/+", true)] // + matches an empty level
    [InlineData("/finance", "+/+", true)]
    [InlineData("/finance", "/+", true)]
    [InlineData("/finance", "+", false)]
    [InlineData("a//c", "a/+/c", true)]
    [InlineData("a/b/c", "#", true)]
    [InlineData("a", "a/b", false)]
    [InlineData("a/b", "a", false)]
    [InlineData("$SYS/broker/load", "#", false)] // [MQTT-4.7.2-1]
    [InlineData("$SYS/broker/load", "+/broker/load", false)] // [MQTT-4.7.2-1]
    [InlineData("$SYS/broker/load", "$SYS/#", true)]
    [InlineData("$SYS/broker/load", "$SYS/+/load", true)]
    [InlineData("a/$b", "a/+", true)]
    [InlineData("Accounts/payable", "accounts/payable", false)] // case sensitive [MQTT-4.7.3-4]
    [InlineData("a/b/c/d", "+/+/+/+", true)]
    [InlineData("a/b/c", "+/+/+/+", false)]
    [InlineData("a/b/c", "a/+/#", true)]
    [InlineData("a/b", "a/+/#", true)]
    [InlineData("a", "a/+/#", false)]
    public void Topic_filter_matching_follows_section_4_7(string topic, string filter, bool matches) =>
        Assert.Equal(matches, TopicMatcher.Matches(filter, topic));

    [Theory]
    [InlineData("a/b", true)]
    [InlineData("/", true)]
    [InlineData("a", true)]
    [InlineData(" ", true)]
    [InlineData("", false)] // [MQTT-4.7.3-1]
    [InlineData("a/+", false)] // [MQTT-4.7.0-1]
    [InlineData("a/#", false)]
    [InlineData("a\0b", false)] // [MQTT-4.7.3-2]
    public void Topic_names_have_no_wildcards_and_are_not_empty(string topic, bool valid) =>
        Assert.Equal(valid, TopicValidator.IsValidTopicName(topic));

    [Theory]
    [InlineData("#", true)]
    [InlineData("+", true)]
    [InlineData("a/#", true)]
    [InlineData("+/+/#", true)]
    [InlineData("/+", true)]
    [InlineData("a//b", true)]
    [InlineData("$share/group/a/#", true)]
    [InlineData("$share/group/#", true)]
    [InlineData("$share/g/+", true)]
    [InlineData("$shared/x", true)] // only "$share/" is special
    [InlineData("", false)] // [MQTT-4.7.3-1]
    [InlineData("a/#/b", false)] // [MQTT-4.7.1-1]
    [InlineData("a#", false)]
    [InlineData("a/b#", false)]
    [InlineData("a+/b", false)] // [MQTT-4.7.1-2]
    [InlineData("a/+b", false)]
    [InlineData("$share/group", false)] // [MQTT-4.8.2-1]
    [InlineData("$share/group/", false)]
    [InlineData("$share//a", false)]
    [InlineData("$share/g+/a", false)] // [MQTT-4.8.2-2]
    [InlineData("$share/g#/a", false)]
    [InlineData("$share/g/a#", false)]
    public void Topic_filters_place_wildcards_only_where_section_4_7_allows(string filter, bool valid) =>
        Assert.Equal(valid, TopicValidator.IsValidTopicFilter(filter));

    [Fact]
    public void Shared_subscription_splits_into_share_name_and_filter()
    {
        Assert.True(SharedSubscription.TryParse("$share/consumers/sensors/+/temp", out string share, out string filter));
        Assert.Equal("consumers", share);
        Assert.Equal("sensors/+/temp", filter);
        Assert.False(SharedSubscription.TryParse("sensors/+/temp", out string _, out string _));
    }
}
