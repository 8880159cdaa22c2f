namespace Starling.Protocol.Decoding;

/// <summary>The outcome of looking for a packet in the input.</summary>
public enum FrameStatus
{
    /// <summary>A whole packet was found.</summary>
    Complete,

    /// <summary>More bytes are needed; nothing was consumed.</summary>
    Incomplete,

    /// <summary>The fixed header breaks the specification or the size limit; the connection must be closed.</summary>
    Error,
}
