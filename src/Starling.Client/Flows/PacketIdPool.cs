namespace Starling.Client.Flows;

/// <summary>
/// Packet identifiers in use by this client's session (PUBLISH QoS 1/2, SUBSCRIBE, UNSUBSCRIBE share one space
/// [MQTT-2.2.1-3]). Not thread-safe: the session's lock guards it.
/// </summary>
internal sealed class PacketIdPool
{
    private readonly bool[] _used = new bool[65536];
    private ushort _next = 1;
    private int _count;

    /// <summary>A free non-zero identifier [MQTT-2.2.1-2], or 0 when all 65,535 are in use.</summary>
    public ushort Allocate()
    {
        if (_count >= 65535)
        {
            return 0;
        }

        while (true)
        {
            var id = _next;
            _next = _next == ushort.MaxValue ? (ushort)1 : (ushort)(_next + 1);
            if (!_used[id])
            {
                _used[id] = true;
                _count++;
                return id;
            }
        }
    }

    public void Free(ushort id)
    {
        if (_used[id])
        {
            _used[id] = false;
            _count--;
        }
    }
}
