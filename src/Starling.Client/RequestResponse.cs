using System.Collections.Concurrent;
using System.Security.Cryptography;
using Starling.Protocol;

namespace Starling.Client;

/// <summary>
/// The requester side of MQTT 5.0 request/response [§4.10]: one response topic per client, subscribed on first use,
/// and a pending request per Correlation Data.
/// </summary>
internal sealed class RequestResponse : IDisposable
{
    private readonly MqttClient _client;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<MqttMessage>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private string? _responseTopic;

    public RequestResponse(MqttClient client) => _client = client;

    public void Dispose() => _subscribeGate.Dispose();

    public async Task<MqttMessage> RequestAsync(MqttMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_client.Options.ProtocolVersion != ProtocolVersion.V500)
        {
            throw new NotSupportedException("Request/response needs MQTT 5.0 (Response Topic and Correlation Data).");
        }

        var responseTopic = await EnsureResponseTopicAsync(cancellationToken).ConfigureAwait(false);
        var correlation = RandomNumberGenerator.GetBytes(16);
        var key = Convert.ToHexString(correlation);
        var completion = new TaskCompletionSource<MqttMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[key] = completion;
        try
        {
            await _client.PublishAsync(new MqttMessage
            {
                Topic = request.Topic,
                Payload = request.Payload,
                QoS = request.QoS,
                PayloadFormat = request.PayloadFormat,
                MessageExpiryInterval = request.MessageExpiryInterval,
                ContentType = request.ContentType,
                UserProperties = request.UserProperties,
                ResponseTopic = responseTopic,
                CorrelationData = correlation,
            }, cancellationToken).ConfigureAwait(false);
            return await completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    /// <summary>Completes the request a response belongs to; false for every other message.</summary>
    public bool TryComplete(MqttMessage message)
    {
        if (_responseTopic is null || message.CorrelationData is not { } correlation || !string.Equals(message.Topic, _responseTopic, StringComparison.Ordinal))
        {
            return false;
        }

        if (_pending.TryRemove(Convert.ToHexString(correlation), out var completion))
        {
            completion.TrySetResult(message);
        }

        return true; // a late response to a request that gave up is dropped, not shown as an ordinary message
    }

    private async Task<string> EnsureResponseTopicAsync(CancellationToken cancellationToken)
    {
        if (_responseTopic is { } known)
        {
            return known;
        }

        await _subscribeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_responseTopic is null)
            {
                var topic = $"starling/responses/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
                var result = await _client.SubscribeAsync(topic, QualityOfService.AtLeastOnce, cancellationToken).ConfigureAwait(false);
                if (!result.Items[0].IsSuccess)
                {
                    throw new MqttClientException($"Subscribing to the response topic failed: {result.Items[0].ReasonCode}.", result.Items[0].ReasonCode);
                }

                _responseTopic = topic;
            }

            return _responseTopic;
        }
        finally
        {
            _subscribeGate.Release();
        }
    }
}
