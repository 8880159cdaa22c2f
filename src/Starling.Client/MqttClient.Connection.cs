using Starling.Client.Flows;
using Starling.Client.Resilience;
using Starling.Client.Transport;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client;

// Connection life: connect, watch, reconnect.
public sealed partial class MqttClient
{
    private async Task<MqttConnectResult> ConnectOnceAsync(bool resuming, CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session.Connection is not null)
            {
                throw new MqttClientException("Already connected.");
            }

            _state = MqttClientState.Connecting;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            timeout.CancelAfter(Options.ConnectTimeout);
            ClientConnection connection;
            ConnAckPacket connAck;
            try
            {
                (connection, connAck) = await ClientConnection.OpenAsync(Options, BuildConnect(resuming), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
            {
                _state = resuming ? MqttClientState.Reconnecting : MqttClientState.Disconnected;
                throw new MqttClientException($"No CONNACK from {Options.Server} within {Options.ConnectTimeout.TotalSeconds:0.#} s.");
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException
                or System.Net.WebSockets.WebSocketException)
            {
                _state = resuming ? MqttClientState.Reconnecting : MqttClientState.Disconnected;
                throw new MqttClientException($"Cannot connect to {Options.Server}: {e.Message}", e);
            }
            catch
            {
                _state = resuming ? MqttClientState.Reconnecting : MqttClientState.Disconnected;
                throw;
            }

            if (!ReasonCodes.IsSuccess(connAck.ReasonCode))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                _state = resuming ? MqttClientState.Reconnecting : MqttClientState.Disconnected;
                var text = connAck.ReasonString is null ? "" : $" ({connAck.ReasonString})";
                var redirect = connAck.ServerReference is null ? "" : $", use server {connAck.ServerReference}";
                throw new MqttClientException($"Connection refused: {connAck.ReasonCode} (0x{(byte)connAck.ReasonCode:X2}){text}{redirect}.", connAck.ReasonCode)
                {
                    ServerReference = connAck.ServerReference,
                };
            }

            if (connAck.AssignedClientIdentifier is { } assigned)
            {
                ClientId = assigned;
            }

            var result = new MqttConnectResult(connAck);
            LastConnectResult = result;
            var resubscribe = _session.Attach(connection, connAck,
                Options.MaximumInflight ?? (Options.ProtocolVersion == ProtocolVersion.V500 ? ushort.MaxValue : (ushort)20), resuming && Options.Reconnect.Resubscribe);
            var keepAlive = connAck.ServerKeepAlive is { } serverKeepAlive ? TimeSpan.FromSeconds(serverKeepAlive) : Options.KeepAlive;
            var pingTimeout = Options.PingTimeout ?? (keepAlive < TimeSpan.FromSeconds(10) ? keepAlive : TimeSpan.FromSeconds(10));
            connection.Start(_session, keepAlive, pingTimeout, Options.UseOutgoingTopicAliases,
                Options.ProtocolVersion == ProtocolVersion.V500 ? Options.MaximumPacketSize : null);
            _everConnected = true;
            _state = MqttClientState.Connected;
            _ = Task.Run(() => WatchAsync(connection), CancellationToken.None);
            foreach (var request in resubscribe)
            {
                await request.Completion.WaitAsync(timeout.Token).ConfigureAwait(false);
            }

            Volatile.Read(ref _connectedSignal).TrySetResult();
            RaiseConnected(result);
            return result;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private ConnectPacket BuildConnect(bool resuming)
    {
        var options = Options;
        var v5 = options.ProtocolVersion == ProtocolVersion.V500;
        // A reconnect resumes the session whenever one can exist, so that nothing in flight is lost.
        var clean = options.CleanStart;
        if (resuming && (v5 ? options.SessionExpiryInterval > 0 : !options.CleanStart))
        {
            clean = false;
        }

        return new ConnectPacket
        {
            ProtocolVersion = options.ProtocolVersion,
            ClientId = ClientId,
            CleanSession = clean,
            KeepAlive = (ushort)Math.Min(ushort.MaxValue, options.KeepAlive.TotalSeconds),
            UserName = options.UserName,
            Password = options.Password,
            Will = options.Will is { } will ? new WillMessage
            {
                Topic = will.Topic,
                Payload = will.Payload,
                QoS = will.QoS,
                Retain = will.Retain,
                WillDelayInterval = v5 ? options.WillDelayInterval : null,
                PayloadFormat = v5 ? will.PayloadFormat : null,
                MessageExpiryInterval = v5 ? will.MessageExpiryInterval : null,
                ContentType = v5 ? will.ContentType : null,
                ResponseTopic = v5 ? will.ResponseTopic : null,
                CorrelationData = v5 ? will.CorrelationData : null,
                UserProperties = v5 ? will.UserProperties : [],
            } : null,
            SessionExpiryInterval = v5 ? options.SessionExpiryInterval : null,
            // By default the broker may have as many QoS 1/2 messages in flight to us as we can park (see InboundDelivery).
            ReceiveMaximum = v5 ? options.ReceiveMaximum ?? (ushort)Math.Clamp(options.ReceiveBufferCapacity, 1, ushort.MaxValue) : null,
            MaximumPacketSize = v5 ? options.MaximumPacketSize : null,
            TopicAliasMaximum = v5 && options.TopicAliasMaximum > 0 ? options.TopicAliasMaximum : null,
            RequestResponseInformation = v5 ? options.RequestResponseInformation : null,
            RequestProblemInformation = v5 ? options.RequestProblemInformation : null,
            AuthenticationMethod = v5 ? options.AuthenticationMethod : null,
            AuthenticationData = v5 ? options.AuthenticationData : null,
            UserProperties = v5 ? options.UserProperties : [],
        };
    }

    private async Task WatchAsync(ClientConnection connection)
    {
        // Runs unobserved: nothing may escape it, or the client would stay "connected" with nobody watching.
        try
        {
            await WatchOnceAsync(connection).ConfigureAwait(false);
        }
#pragma warning disable CA1031
        catch (Exception e)
#pragma warning restore CA1031
        {
            System.Diagnostics.Trace.TraceError($"Starling.Client: the connection watcher failed: {e}");
        }
    }

    private async Task WatchOnceAsync(ClientConnection connection)
    {
        var info = await connection.Closed.ConfigureAwait(false);
        _session.Detach(connection, new MqttClientException($"Connection lost: {info.Reason}", info.ReasonCode ?? ReasonCode.UnspecifiedError));
        await connection.DisposeAsync().ConfigureAwait(false);
        var reconnect = Options.Reconnect.Enabled && !_stopped && _state != MqttClientState.Disposed;
        if (_state != MqttClientState.Disposed)
        {
            // Requests made from now on wait for the next connection.
            var previous = Volatile.Read(ref _connectedSignal);
            if (previous.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _connectedSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), previous);
            }

            _state = reconnect ? MqttClientState.Reconnecting : MqttClientState.Disconnected;
        }

        RaiseDisconnected(new MqttDisconnectedEventArgs(info.ReasonCode, info.Reason, info.Exception, info.ServerReference, reconnect));
        if (reconnect)
        {
            await ReconnectAsync().ConfigureAwait(false);
        }
    }

    private async Task ReconnectAsync()
    {
        for (var attempt = 0; !_stopped && !_lifetime.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(ReconnectBackoff.Delay(Options.Reconnect, attempt), _lifetime.Token).ConfigureAwait(false);
                if (_stopped)
                {
                    return;
                }

                await ConnectOnceAsync(resuming: true, _lifetime.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is MqttClientException or OperationCanceledException or ObjectDisposedException)
            {
                // Try again after a longer delay; the broker may be restarting.
                if (_session.Connection is { } alive)
                {
                    // Connected but resubscribing failed: drop this connection and start over.
                    alive.Abort(new DisconnectInfo(ReasonCode.UnspecifiedError, $"Resubscribing failed: {e.Message}", e));
                    return;
                }
            }
        }
    }

    private async Task DispatchAsync(Func<MqttMessage, CancellationToken, ValueTask> handler)
    {
        try
        {
            await foreach (var message in _session.Received.ReadAllAsync(_lifetime.Token).ConfigureAwait(false))
            {
                try
                {
                    await handler(message, _lifetime.Token).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A failing handler must not stop the delivery of the following messages.
                catch (Exception) when (!_lifetime.IsCancellationRequested)
#pragma warning restore CA1031
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private void RaiseConnected(MqttConnectResult result)
    {
        if (Connected is { } handler)
        {
            _ = Task.Run(() => handler(this, result));
        }
    }

    private void RaiseDisconnected(MqttDisconnectedEventArgs args)
    {
        if (Disconnected is { } handler)
        {
            _ = Task.Run(() => handler(this, args));
        }
    }
}
