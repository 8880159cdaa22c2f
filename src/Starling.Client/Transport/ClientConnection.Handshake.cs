using System.Buffers;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Client.Transport;

internal sealed partial class ClientConnection
{
    private async Task<ConnAckPacket> HandshakeAsync(MqttClientOptions options, ConnectPacket connect, CancellationToken cancellationToken)
    {
        PacketEncoder.Encode(connect, Version, _output);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var packet = await ReadOnePacketAsync(cancellationToken).ConfigureAwait(false);
            switch (packet)
            {
                case ConnAckPacket connAck:
                    ServerMaximumPacketSize = connAck.MaximumPacketSize ?? long.MaxValue;
                    ServerTopicAliasMaximum = connAck.TopicAliasMaximum ?? 0;
                    return connAck;
                case AuthPacket auth when auth.ReasonCode == ReasonCode.ContinueAuthentication:
                    var handler = options.AuthenticationHandler
                        ?? throw new MqttClientException("The broker asked for an AUTH exchange and no AuthenticationHandler is set.", ReasonCode.BadAuthenticationMethod);
                    var data = await handler(new MqttAuthenticationChallenge(auth.AuthenticationMethod, auth.AuthenticationData, auth.ReasonString),
                        cancellationToken).ConfigureAwait(false);
                    var reply = new AuthPacket
                    {
                        ReasonCode = ReasonCode.ContinueAuthentication,
                        AuthenticationMethod = connect.AuthenticationMethod,
                        AuthenticationData = data,
                    };
                    PacketEncoder.Encode(reply, Version, _output);
                    await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case DisconnectPacket disconnect:
                    throw new MqttClientException($"The broker refused the connection: {disconnect.ReasonCode} {disconnect.ReasonString}".TrimEnd(),
                        disconnect.ReasonCode) { ServerReference = disconnect.ServerReference };
                default:
                    throw new MqttClientException($"Expected CONNACK, got {packet.Type}.", ReasonCode.ProtocolError);
            }
        }
    }

    private async Task<IMqttPacket> ReadOnePacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = FrameReader.TryReadFrame(buffer, int.MaxValue, Version, out var frame, out var error);
            if (status == FrameStatus.Complete)
            {
                if (!PacketDecoder.TryDecode(frame, Version, out var packet, out error))
                {
                    _input.AdvanceTo(buffer.Start);
                    throw new MqttClientException($"The broker sent a malformed packet: {error}", error.ReasonCode);
                }

                _input.AdvanceTo(buffer.GetPosition(frame.TotalLength));
                return packet;
            }

            if (status == FrameStatus.Error)
            {
                _input.AdvanceTo(buffer.Start);
                throw new MqttClientException($"The broker sent a malformed packet: {error}", error.ReasonCode);
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                throw new MqttClientException("The broker closed the connection before CONNACK (MQTT 3.1.1 brokers do so when they refuse a CONNECT they cannot answer).");
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
