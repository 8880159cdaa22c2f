using Starling.Protocol.Packets;

namespace Starling.Client.Flows;

/// <summary>A SUBSCRIBE or UNSUBSCRIBE waiting for its SUBACK / UNSUBACK.</summary>
internal sealed class PendingRequest
{
    private readonly TaskCompletionSource<IMqttPacket> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IMqttPacket> Completion => _completion.Task;

    public void Complete(IMqttPacket ack) => _completion.TrySetResult(ack);

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
