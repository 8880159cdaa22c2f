using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Client;

/// <summary>Acknowledgements for packet identifiers the client does not hold.</summary>
public sealed class UnknownPacketIdTests
{
    [Fact(Timeout = 60_000)]
    public async Task A_PUBREC_for_an_unknown_packet_id_is_released_with_0x92_on_MQTT_5()
    {
        // The broker holds a QoS 2 id the client does not know: PUBREL lets it forget it; 5.0 says why (0x92, §3.6.2.1).
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        var options = ClientTestExtensions.Options(broker.Uri, "unknown-pubrec");
        options.Reconnect.Enabled = false;
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(ct);
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        await broker.SendAsync(new ConnAckPacket(), ct);
        await connecting;

        await broker.SendAsync(new AckPacket(PacketType.PubRec, 77), ct);

        var release = await broker.ExpectAsync<AckPacket>(ct);
        Assert.Equal((PacketType.PubRel, (ushort)77, ReasonCode.PacketIdentifierNotFound), (release.Type, release.PacketId, release.ReasonCode));
    }
}
