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

            SetState(MqttClientState.Connecting);
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
                SetState(resuming ? MqttClientState.Reconnecting : MqttClientState.Disconnected);
                throw new MqttClientException($"No CONNACK from {Options.Server} within {Options.ConnectTimeout.TotalSeconds:0.#} s.");
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException
                or System.Net.WebSockets.WebSocketException)
            {
                SetState(resuming ? MqttClientState.Reconnecting : MqttClientState.Disconnected);
                throw new MqttClientException($"Cannot connect to {Options.Server}: {e.Message}", e);
            }
            catch
            {
                SetState(resuming ? MqttClientState.Reconnecting : MqttClientState.Disconnected);
                throw;
            }

            if (!ReasonCodes.IsSuccess(connAck.ReasonCode))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                SetState(resuming ? MqttClientState.Reconnecting : MqttClientState.Disconnected);
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
            var keepAlive = connAck.ServerKeepAlive is { } serverKeepAlive ? TimeSpan.FromSeconds(serverKeepAlive) : Options.KeepAlive;
            var pingTimeout = Options.PingTimeout ?? (keepAlive < TimeSpan.FromSeconds(10) ? keepAlive : TimeSpan.FromSeconds(10));
            List<PendingRequest> resubscribe;
            lock (_stateGate)
            {
                // A DisposeAsync or DisconnectAsync that came while this connection was opening wins: it is never used.
                if (_state == MqttClientState.Disposed || (resuming && (_stopped || cancellationToken.IsCancellationRequested)))
                {
                    connection.Abort(new DisconnectInfo(null, "Connect abandoned: the client was stopped meanwhile"));
                    resubscribe = null!;
                }
                else
                {
                    // A new generation: the watcher of an older connection no longer touches the state.
                    var generation = ++_generation;
                    LastConnectResult = result;
                    resubscribe = _session.Attach(connection, connAck,
                        Options.MaximumInflight ?? (Options.ProtocolVersion == ProtocolVersion.V500 ? ushort.MaxValue : (ushort)20), resuming && Options.Reconnect.Resubscribe);
                    connection.Start(_session, keepAlive, pingTimeout, Options.UseOutgoingTopicAliases,
                        Options.ProtocolVersion == ProtocolVersion.V500 ? Options.MaximumPacketSize : null,
                        Options.ProtocolVersion == ProtocolVersion.V500 ? Options.TopicAliasMaximum : (ushort)0);
                    _everConnected = true;
                    _state = MqttClientState.Connected;
                    _watcher = Task.Run(() => WatchAsync(connection, generation), CancellationToken.None);
                }
            }

            if (resubscribe is null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                ObjectDisposedException.ThrowIf(_state == MqttClientState.Disposed, this);
                throw new OperationCanceledException("The client was stopped while connecting.", cancellationToken);
            }

            try
            {
                foreach (var request in resubscribe)
                {
                    await request.Completion.WaitAsync(timeout.Token).ConfigureAwait(false);
                }
            }
#pragma warning disable CA1031 // Any failure: this connection is dropped and its watcher starts over.
            catch (Exception e)
#pragma warning restore CA1031
            {
                // Only this connection, which this call made, is aborted; its watcher reports it and reconnects.
                LastReconnectError = e;
                connection.Abort(new DisconnectInfo(ReasonCode.UnspecifiedError, $"Resubscribing failed: {e.Message}", e));
                return result;
            }

            LastReconnectError = null;
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

    private async Task WatchAsync(ClientConnection connection, int generation)
    {
        // Runs unobserved: nothing may escape it, or the client would stay "connected" with nobody watching.
        try
        {
            await WatchOnceAsync(connection, generation).ConfigureAwait(false);
        }
#pragma warning disable CA1031
        catch (Exception e)
#pragma warning restore CA1031
        {
            System.Diagnostics.Trace.TraceError($"Starling.Client: the connection watcher failed: {e}");
        }
    }

    private async Task WatchOnceAsync(ClientConnection connection, int generation)
    {
        var info = await connection.Closed.ConfigureAwait(false);
        bool reconnect;
        CancellationToken stop;
        lock (_stateGate)
        {
            // Only the watcher of the current connection decides what follows: after DisconnectAsync, a new
            // ConnectAsync or DisposeAsync the session has moved on, and this one only reports the end of its connection.
            var current = generation == _generation && _state != MqttClientState.Disposed;
            reconnect = current && Options.Reconnect.Enabled && !_stopped;
            stop = _reconnectStop.Token;
            if (current)
            {
                // Requests made from now on wait for the next connection.
                var previous = Volatile.Read(ref _connectedSignal);
                if (previous.Task.IsCompleted)
                {
                    Volatile.Write(ref _connectedSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                _state = reconnect ? MqttClientState.Reconnecting : MqttClientState.Disconnected;
            }
        }

        _session.Detach(connection, new MqttClientException($"Connection lost: {info.Reason}", info.ReasonCode ?? ReasonCode.UnspecifiedError),
            failPublishes: !reconnect);
        await connection.DisposeAsync().ConfigureAwait(false);
        RaiseDisconnected(new MqttDisconnectedEventArgs(info.ReasonCode, info.Reason, info.Exception, info.ServerReference, reconnect));
        if (reconnect)
        {
            var reconnecting = ReconnectAsync(stop);
            Volatile.Write(ref _reconnecting, reconnecting);
            await reconnecting.ConfigureAwait(false);
        }
    }

    /// <summary>Sets the state unless the client is disposed: Disposed is final.</summary>
    private void SetState(MqttClientState state)
    {
        lock (_stateGate)
        {
            if (_state != MqttClientState.Disposed)
            {
                _state = state;
            }
        }
    }

    private async Task ReconnectAsync(CancellationToken stop)
    {
        for (var attempt = 0; !_stopped && !stop.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(ReconnectBackoff.Delay(Options.Reconnect, attempt), stop).ConfigureAwait(false);
                if (_stopped)
                {
                    return;
                }

                await ConnectOnceAsync(resuming: true, stop).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return; // disposed, or DisconnectAsync stopped the reconnect
            }
#pragma warning disable CA1031 // Whatever fails an attempt (a refusal, an authentication handler's exception, a
            // TLS error) must not end the loop: the broker or the network may recover. The cause is kept for the application.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LastReconnectError = e;
                if (_session.Connection is not null)
                {
                    return; // the application connected meanwhile
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
                    InHandler.Value = true;
                    await handler(message, _lifetime.Token).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A failing handler must not stop the delivery of the following messages, nor escape DisposeAsync.
                catch (Exception)
#pragma warning restore CA1031
                {
                    if (_lifetime.IsCancellationRequested)
                    {
                        return;
                    }
                }
                finally
                {
                    InHandler.Value = false;
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
