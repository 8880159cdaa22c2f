namespace Starling.Protocol;

/// <summary>Quality of service levels [MQTT-4.3].</summary>
public enum QualityOfService : byte
{
    /// <summary>At most once delivery.</summary>
    AtMostOnce = 0,

    /// <summary>At least once delivery.</summary>
    AtLeastOnce = 1,

    /// <summary>Exactly once delivery.</summary>
    ExactlyOnce = 2,
}
