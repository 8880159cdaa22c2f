using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>An incoming PUBLISH as the bench needs it, read in place: flow fields and the payload header.</summary>
/// <param name="QoS">The delivery QoS.</param>
/// <param name="PacketId">The packet identifier (0 at QoS 0).</param>
/// <param name="Payload">The bench header, when <paramref name="IsBench"/>.</param>
/// <param name="IsBench">The payload is long enough to carry a bench header.</param>
internal readonly record struct BenchPublish(QualityOfService QoS, ushort PacketId, BenchPayload Payload, bool IsBench);
