namespace Starling.Protocol;

/// <summary>MQTT 5.0 Payload Format Indicator property values [MQTT-3.3.2.3.2].</summary>
public enum PayloadFormatIndicator : byte
{
    /// <summary>The payload is unspecified bytes.</summary>
    Unspecified = 0,

    /// <summary>The payload is UTF-8 encoded character data.</summary>
    Utf8 = 1,
}
