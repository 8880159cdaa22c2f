namespace Starling.Protocol;

internal static class FrameReaderLimits
{
    /// <summary>The largest value a Variable Byte Integer can express [MQTT-1.5.5].</summary>
    public const int MaxVariableByteInteger = 268_435_455;
}
