using Starling.Protocol;

namespace Starling.Client.Flows;

/// <summary>Why a connection ended, as first observed.</summary>
internal sealed record DisconnectInfo(ReasonCode? ReasonCode, string Reason, Exception? Exception = null, string? ServerReference = null);
