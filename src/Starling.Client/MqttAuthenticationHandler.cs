namespace Starling.Client;

/// <summary>
/// Answers one MQTT 5.0 AUTH challenge: gets the broker's Authentication Data and returns the data to send back
/// (AUTH with reason Continue Authentication).
/// </summary>
public delegate ValueTask<byte[]?> MqttAuthenticationHandler(MqttAuthenticationChallenge challenge, CancellationToken cancellationToken);

/// <summary>An AUTH packet received from the broker during enhanced authentication.</summary>
/// <param name="Method">The Authentication Method.</param>
/// <param name="Data">The broker's Authentication Data, if any.</param>
/// <param name="ReasonString">The broker's Reason String, if any.</param>
public sealed record MqttAuthenticationChallenge(string? Method, byte[]? Data, string? ReasonString);
