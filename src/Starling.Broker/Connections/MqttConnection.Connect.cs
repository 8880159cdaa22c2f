using Microsoft.Extensions.Logging;
using Starling.Broker.Diagnostics;
using Starling.Broker.Security;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Packets;

namespace Starling.Broker.Connections;

/// <summary>CONNECT: version, client identifier, authentication, keep alive, session, will, CONNACK.</summary>
internal sealed partial class MqttConnection
{
    private async ValueTask<bool> HandleConnectAsync(Frame frame)
    {
        if (frame.Type != PacketType.Connect)
        {
            // The first packet must be CONNECT [MQTT-3.1.0-1]; close without a CONNACK.
            return Refuse(null, $"first packet was {frame.Type}, not CONNECT");
        }

        if (!PacketDecoder.TryDecodeConnect(frame, out var connect, out var error))
        {
            var level = PacketDecoder.PeekProtocolLevel(frame);
            Version = level == 5 ? ProtocolVersion.V500 : ProtocolVersion.V311;
            if (error.ReasonCode == ReasonCode.UnsupportedProtocolVersion)
            {
                // [MQTT-3.1.2-2]: answer 0x84 (5.0) or return code 0x01 (3.x), then close.
                return Refuse(ReasonCode.UnsupportedProtocolVersion, error.ToString());
            }

            // A malformed CONNECT is closed without CONNACK on 3.x [MQTT-3.1.4-1]; 5.0 gets the reason code first.
            return Refuse(level == 5 ? error.ReasonCode : null, error.ToString());
        }

        Version = connect.ProtocolVersion;
        var options = _broker.Options;
        var clientId = connect.ClientId;
        string? assignedClientId = null;
        if (clientId.Length == 0)
        {
            if (Version == ProtocolVersion.V310 || (Version == ProtocolVersion.V311 && !connect.CleanSession))
            {
                // 3.1 requires an identifier; 3.1.1 may assign one only to a clean session [MQTT-3.1.3-8].
                return Refuse(ReasonCode.ClientIdentifierNotValid, "empty client identifier without a clean session");
            }

            clientId = assignedClientId = "auto-" + Guid.NewGuid().ToString("N");
        }
        else if (clientId.Length > options.MaximumClientIdLength || (Version == ProtocolVersion.V310 && clientId.Length > 23))
        {
            return Refuse(ReasonCode.ClientIdentifierNotValid, $"client identifier of {clientId.Length} characters is too long");
        }

        ClientId = clientId;
        UserName = connect.UserName;
        if (connect.AuthenticationMethod is not null)
        {
            // Enhanced authentication (AUTH exchange) is not offered: refuse the method [MQTT-4.12.0-?] with 0x8C.
            return Refuse(ReasonCode.BadAuthenticationMethod, $"authentication method {connect.AuthenticationMethod} is not supported");
        }

        if (connect.Will is { } will)
        {
            if (will.QoS > options.MaximumQoS)
            {
                return Refuse(ReasonCode.QoSNotSupported, "will QoS above the maximum QoS"); // [MQTT-3.2.2-12]
            }

            if (will.Retain && !options.RetainAvailable)
            {
                return Refuse(ReasonCode.RetainNotSupported, "retained will without retain support"); // [MQTT-3.2.2-13]
            }

            if (!_broker.Authorizer.CanPublish(clientId, UserName, will.Topic))
            {
                return Refuse(ReasonCode.NotAuthorized, $"not authorized to publish the will to {will.Topic}");
            }
        }

        ReasonCode verdict;
        var cancellation = new CancellationTokenSource();
        _connectCancellation = cancellation;
        try
        {
            // Cancelled when the connection is closed meanwhile (connect timeout, shutdown).
            verdict = await _broker.Authenticator.AuthenticateAsync(new ConnectionRequest(connect, RemoteEndPoint), cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _connectCancellation = null;
            cancellation.Dispose();
        }

        if (verdict != ReasonCode.Success)
        {
            return Refuse(verdict, $"authentication refused with {verdict}");
        }

        if (_closeRequested)
        {
            // Closed while authenticating: do not take over the client id's session.
            return false;
        }

        if (!await _broker.Cluster.ClaimClientIdAsync(clientId, CancellationToken.None).ConfigureAwait(false))
        {
            return Refuse(ReasonCode.ServerBusy, "another node holds the client identifier");
        }

        ushort? serverKeepAlive = null;
        KeepAlive = connect.KeepAlive;
        if (Version == ProtocolVersion.V500 && options.MaximumKeepAlive > 0 && (KeepAlive == 0 || KeepAlive > options.MaximumKeepAlive))
        {
            KeepAlive = options.MaximumKeepAlive;
            serverKeepAlive = KeepAlive;
        }

        uint expiry;
        uint? grantedExpiry = null;
        if (Version == ProtocolVersion.V500)
        {
            expiry = connect.SessionExpiryInterval ?? 0;
            if (expiry > options.MaximumSessionExpiryInterval)
            {
                expiry = options.MaximumSessionExpiryInterval;
                grantedExpiry = expiry;
            }
        }
        else
        {
            expiry = connect.CleanSession ? 0 : options.MaximumSessionExpiryInterval;
        }

        SendWindow = Math.Min(Version == ProtocolVersion.V500 ? connect.ReceiveMaximum ?? ushort.MaxValue : ushort.MaxValue, options.MaximumInflightMessages);
        ClientMaximumPacketSize = connect.MaximumPacketSize ?? NoLimit;
        ClientTopicAliasMaximum = Version == ProtocolVersion.V500 ? connect.TopicAliasMaximum ?? 0 : (ushort)0;
        _will = connect.Will;

        var (session, sessionPresent) = _broker.Sessions.Open(clientId, connect.CleanSession, expiry, this);
        Session = session;
        IsConnected = true;
        ConnectedAt = Environment.TickCount64;
        Writer.EnqueuePacket(new ConnAckPacket
        {
            SessionPresent = sessionPresent,
            ReasonCode = ReasonCode.Success,
            AssignedClientIdentifier = assignedClientId,
            ServerKeepAlive = serverKeepAlive,
            SessionExpiryInterval = grantedExpiry,
            ReceiveMaximum = options.ReceiveMaximum,
            MaximumPacketSize = (uint)options.MaximumPacketSize,
            TopicAliasMaximum = options.TopicAliasMaximum,
            MaximumQoS = options.MaximumQoS == QualityOfService.ExactlyOnce ? null : options.MaximumQoS,
            RetainAvailable = options.RetainAvailable,
            WildcardSubscriptionAvailable = true,
            SubscriptionIdentifiersAvailable = true,
            SharedSubscriptionAvailable = true,
            ResponseInformation = connect.RequestResponseInformation == true ? options.ResponseInformation : null,
        });

        // After CONNACK: resend what the resumed session had in flight, then its queue [MQTT-4.4.0-1].
        if (!session.Attach(this))
        {
            _closeReason = "session taken over while connecting";
            Writer.Complete(null);
            return false;
        }

        if (_logger.IsEnabled(LogLevel.Information))
        {
            // Checked here: formatting the remote address for a line nobody reads cost a string per connect.
            BrokerLog.ClientConnected(_logger, clientId, Remote, Version, connect.CleanSession, sessionPresent);
        }
        _broker.OnClientConnected(this);
        return true;
    }

    private bool Refuse(ReasonCode? reasonCode, string reason)
    {
        BrokerLog.ConnectRefused(_logger, Remote, reason);
        _closeReason = reason;
        IMqttPacket? connack = null;
        if (reasonCode is { } code && (Version == ProtocolVersion.V500 || ReasonCodes.TryGetConnectReturnCode(code, out _)))
        {
            connack = new ConnAckPacket { ReasonCode = code, ReasonString = Version == ProtocolVersion.V500 ? reason : null };
        }

        Writer.Complete(connack);
        return false;
    }
}
