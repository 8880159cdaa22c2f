using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>Where a property list sits; each place allows its own set of properties (section 2.2.2.2).</summary>
internal enum PropertyScope
{
    Connect,
    Will,
    ConnAck,
    Publish,
    Ack,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

/// <summary>The table of section 2.2.2.2: which property identifier may appear in which packet.</summary>
internal static class PropertyRules
{
    private static readonly ulong[] Allowed = Build();

    public static bool IsAllowed(PropertyScope scope, PropertyId id) => ((byte)id < 64) && (Allowed[(int)scope] & (1UL << (byte)id)) != 0;

    /// <summary>User Property may repeat anywhere; Subscription Identifier may repeat in PUBLISH (§3.3.2.3.8).</summary>
    public static bool MayRepeat(PropertyScope scope, PropertyId id) =>
        id == PropertyId.UserProperty || (id == PropertyId.SubscriptionIdentifier && scope == PropertyScope.Publish);

    private static ulong[] Build()
    {
        var table = new ulong[11];
        Add(table, PropertyScope.Connect, PropertyId.SessionExpiryInterval, PropertyId.AuthenticationMethod, PropertyId.AuthenticationData,
            PropertyId.RequestProblemInformation, PropertyId.RequestResponseInformation, PropertyId.ReceiveMaximum,
            PropertyId.TopicAliasMaximum, PropertyId.UserProperty, PropertyId.MaximumPacketSize);
        Add(table, PropertyScope.Will, PropertyId.PayloadFormatIndicator, PropertyId.MessageExpiryInterval, PropertyId.ContentType,
            PropertyId.ResponseTopic, PropertyId.CorrelationData, PropertyId.WillDelayInterval, PropertyId.UserProperty);
        Add(table, PropertyScope.ConnAck, PropertyId.SessionExpiryInterval, PropertyId.AssignedClientIdentifier, PropertyId.ServerKeepAlive,
            PropertyId.AuthenticationMethod, PropertyId.AuthenticationData, PropertyId.ResponseInformation, PropertyId.ServerReference,
            PropertyId.ReasonString, PropertyId.ReceiveMaximum, PropertyId.TopicAliasMaximum, PropertyId.MaximumQoS,
            PropertyId.RetainAvailable, PropertyId.UserProperty, PropertyId.MaximumPacketSize, PropertyId.WildcardSubscriptionAvailable,
            PropertyId.SubscriptionIdentifierAvailable, PropertyId.SharedSubscriptionAvailable);
        Add(table, PropertyScope.Publish, PropertyId.PayloadFormatIndicator, PropertyId.MessageExpiryInterval, PropertyId.ContentType,
            PropertyId.ResponseTopic, PropertyId.CorrelationData, PropertyId.SubscriptionIdentifier, PropertyId.TopicAlias, PropertyId.UserProperty);
        Add(table, PropertyScope.Ack, PropertyId.ReasonString, PropertyId.UserProperty);
        Add(table, PropertyScope.Subscribe, PropertyId.SubscriptionIdentifier, PropertyId.UserProperty);
        Add(table, PropertyScope.SubAck, PropertyId.ReasonString, PropertyId.UserProperty);
        Add(table, PropertyScope.Unsubscribe, PropertyId.UserProperty);
        Add(table, PropertyScope.UnsubAck, PropertyId.ReasonString, PropertyId.UserProperty);
        Add(table, PropertyScope.Disconnect, PropertyId.SessionExpiryInterval, PropertyId.ServerReference, PropertyId.ReasonString, PropertyId.UserProperty);
        Add(table, PropertyScope.Auth, PropertyId.AuthenticationMethod, PropertyId.AuthenticationData, PropertyId.ReasonString, PropertyId.UserProperty);
        return table;
    }

    private static void Add(ulong[] table, PropertyScope scope, params PropertyId[] ids)
    {
        foreach (var id in ids)
        {
            table[(int)scope] |= 1UL << (byte)id;
        }
    }
}
