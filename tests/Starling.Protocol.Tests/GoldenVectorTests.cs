using System.Buffers;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Protocol.Tests;

/// <summary>
/// Golden byte vectors for every control packet in MQTT 3.1 (MQIsdp, level 3), 3.1.1 (level 4) and 5.0 (level 5).
/// Every vector was written by hand from the specification text, never copied from the encoder's output, so it checks
/// the codec independently. Each test asserts both directions: the encoder produces exactly these bytes, and the
/// frame reader plus decoder turn them back into the same field values.
/// Property order: the specification allows properties in any order; the vectors use the fixed order the encoders
/// write (see src/Starling.Protocol/Encoders), so the byte comparison is exact.
/// Hex.Parse keeps only hex digits, so field comments live outside the string literals.
/// </summary>
public sealed class GoldenVectorTests
{
    private static readonly UserProperty[] KeyValue = [new("k", "v")];
    private static readonly byte[] Hi = "hi"u8.ToArray();
    private static readonly byte[] AuthData = [0x01, 0x02, 0x03, 0x04];

    // ---------------------------------------------------------------------------------------------------------------
    // CONNECT
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1, "CONNECT - Client requests a connection to a server": protocol name "MQIsdp", version 3; the spec's
    // own variable header example sets User name, Password, Will QoS 1, Will flag and Clean Session (0xCE) with a Keep
    // Alive of 10. The payload carries Client Identifier, Will Topic, Will Message, User Name, Password in that order.
    [Fact]
    public void Connect_v31_with_will_and_credentials_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "10 2B" +                    // CONNECT, Remaining Length 43
            "00 06 4D 51 49 73 64 70" +  // Protocol Name "MQIsdp"
            "03" +                       // Protocol Version 3
            "CE" +                       // flags: user name, password, will QoS 1, will, clean session
            "00 0A" +                    // Keep Alive 10
            "00 06 63 6C 69 65 6E 74" +  // Client Identifier "client"
            "00 04 77 69 6C 6C" +        // Will Topic "will"
            "00 03 62 79 65" +           // Will Message "bye"
            "00 04 75 73 65 72" +        // User Name "user"
            "00 04 70 61 73 73");        // Password "pass"
        var packet = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V310,
            ClientId = "client",
            CleanSession = true,
            KeepAlive = 10,
            UserName = "user",
            Password = "pass"u8.ToArray(),
            Will = new WillMessage { Topic = "will", Payload = "bye"u8.ToArray(), QoS = QualityOfService.AtLeastOnce },
        };

        AssertEncodes(packet, ProtocolVersion.V310, bytes);
        var decoded = Decode<ConnectPacket>(bytes, ProtocolVersion.V310);
        Assert.Equal(ProtocolVersion.V310, decoded.ProtocolVersion);
        Assert.Equal("client", decoded.ClientId);
        Assert.True(decoded.CleanSession);
        Assert.Equal(10, decoded.KeepAlive);
        Assert.Equal("user", decoded.UserName);
        Assert.Equal("pass"u8.ToArray(), decoded.Password);
        var will = Assert.IsType<WillMessage>(decoded.Will);
        Assert.Equal("will", will.Topic);
        Assert.Equal("bye"u8.ToArray(), will.Payload.ToArray());
        Assert.Equal(QualityOfService.AtLeastOnce, will.QoS);
        Assert.False(will.Retain);
    }

    // MQTT 3.1, CONNECT: only the Clean Session flag (bit 1) set, Keep Alive 60, payload is the Client Identifier.
    [Fact]
    public void Connect_v31_without_will_or_credentials_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "10 14" +                    // CONNECT, Remaining Length 20
            "00 06 4D 51 49 73 64 70" +  // Protocol Name "MQIsdp"
            "03" +                       // Protocol Version 3
            "02" +                       // flags: clean session only
            "00 3C" +                    // Keep Alive 60
            "00 06 63 6C 69 65 6E 74");  // Client Identifier "client"
        var packet = new ConnectPacket { ProtocolVersion = ProtocolVersion.V310, ClientId = "client", CleanSession = true, KeepAlive = 60 };

        AssertEncodes(packet, ProtocolVersion.V310, bytes);
        var decoded = Decode<ConnectPacket>(bytes, ProtocolVersion.V310);
        Assert.Equal(ProtocolVersion.V310, decoded.ProtocolVersion);
        Assert.Equal("client", decoded.ClientId);
        Assert.True(decoded.CleanSession);
        Assert.Equal(60, decoded.KeepAlive);
        Assert.Null(decoded.UserName);
        Assert.Null(decoded.Password);
        Assert.Null(decoded.Will);
    }

    // MQTT 3.1.1 section 3.1.2.10, Figure 3.6 (variable header non normative example): 00 04 'M' 'Q' 'T' 'T', level 4,
    // flags 0xCE (user name, password, will QoS 01, will flag, clean session), Keep Alive 00 0A. Payload order per
    // 3.1.3 [MQTT-3.1.3-1]: Client Identifier, Will Topic, Will Message, User Name, Password.
    [Fact]
    public void Connect_v311_with_will_and_credentials_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "10 29" +                    // CONNECT, Remaining Length 41
            "00 04 4D 51 54 54" +        // Protocol Name "MQTT"
            "04" +                       // Protocol Level 4
            "CE" +                       // flags: user name, password, will QoS 1, will, clean session
            "00 0A" +                    // Keep Alive 10
            "00 06 63 6C 69 65 6E 74" +  // Client Identifier "client"
            "00 04 77 69 6C 6C" +        // Will Topic "will"
            "00 03 62 79 65" +           // Will Message "bye"
            "00 04 75 73 65 72" +        // User Name "user"
            "00 04 70 61 73 73");        // Password "pass"
        var packet = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V311,
            ClientId = "client",
            CleanSession = true,
            KeepAlive = 10,
            UserName = "user",
            Password = "pass"u8.ToArray(),
            Will = new WillMessage { Topic = "will", Payload = "bye"u8.ToArray(), QoS = QualityOfService.AtLeastOnce },
        };

        AssertEncodes(packet, ProtocolVersion.V311, bytes);
        var decoded = Decode<ConnectPacket>(bytes, ProtocolVersion.V311);
        Assert.Equal(ProtocolVersion.V311, decoded.ProtocolVersion);
        Assert.Equal("client", decoded.ClientId);
        Assert.True(decoded.CleanSession);
        Assert.Equal(10, decoded.KeepAlive);
        Assert.Equal("user", decoded.UserName);
        Assert.Equal("pass"u8.ToArray(), decoded.Password);
        var will = Assert.IsType<WillMessage>(decoded.Will);
        Assert.Equal("will", will.Topic);
        Assert.Equal("bye"u8.ToArray(), will.Payload.ToArray());
        Assert.Equal(QualityOfService.AtLeastOnce, will.QoS);
        Assert.False(will.Retain);
    }

    // MQTT 3.1.1 section 3.1.2.3 Figure 3.4 (Connect Flag bits): bit 7 User Name, bit 5 Will Retain, bits 4-3 Will QoS
    // (10 = QoS 2), bit 2 Will Flag, bit 1 Clean Session (clear here) -> 1011 0100 = 0xB4. A zero-length Will Message is
    // allowed (3.1.3.3). No password [MQTT-3.1.2-19].
    [Fact]
    public void Connect_v311_with_retained_qos2_will_and_user_name_only_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "10 20" +                    // CONNECT, Remaining Length 32
            "00 04 4D 51 54 54" +        // Protocol Name "MQTT"
            "04" +                       // Protocol Level 4
            "B4" +                       // flags: user name, will retain, will QoS 2, will; clean session clear
            "01 2C" +                    // Keep Alive 300
            "00 06 63 6C 69 65 6E 74" +  // Client Identifier "client"
            "00 04 77 69 6C 6C" +        // Will Topic "will"
            "00 00" +                    // Will Message, zero length
            "00 04 75 73 65 72");        // User Name "user"
        var packet = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V311,
            ClientId = "client",
            CleanSession = false,
            KeepAlive = 300,
            UserName = "user",
            Will = new WillMessage { Topic = "will", QoS = QualityOfService.ExactlyOnce, Retain = true },
        };

        AssertEncodes(packet, ProtocolVersion.V311, bytes);
        var decoded = Decode<ConnectPacket>(bytes, ProtocolVersion.V311);
        Assert.Equal("client", decoded.ClientId);
        Assert.False(decoded.CleanSession);
        Assert.Equal(300, decoded.KeepAlive);
        Assert.Equal("user", decoded.UserName);
        Assert.Null(decoded.Password);
        var will = Assert.IsType<WillMessage>(decoded.Will);
        Assert.Equal("will", will.Topic);
        Assert.True(will.Payload.IsEmpty);
        Assert.Equal(QualityOfService.ExactlyOnce, will.QoS);
        Assert.True(will.Retain);
    }

    // MQTT 5.0 section 3.1.2.11, Figure 3-6 (variable header example): 00 04 'M' 'Q' 'T' 'T', version 5, flags 0xCE,
    // Keep Alive 10, Properties Length 5, Session Expiry Interval (0x11) = 10. Payload per 3.1.3: Client Identifier,
    // Will Properties (here an empty list, length 0), Will Topic, Will Payload, User Name, Password.
    [Fact]
    public void Connect_v5_variable_header_matches_the_specification_example()
    {
        var bytes = Hex.Parse(
            "10 30" +                    // CONNECT, Remaining Length 48
            "00 04 4D 51 54 54" +        // Protocol Name "MQTT"
            "05" +                       // Protocol Version 5
            "CE" +                       // flags: user name, password, will QoS 1, will, clean start
            "00 0A" +                    // Keep Alive 10
            "05" +                       // Properties Length 5
            "11 00 00 00 0A" +           // Session Expiry Interval 10
            "00 06 63 6C 69 65 6E 74" +  // Client Identifier "client"
            "00" +                       // Will Properties Length 0
            "00 04 77 69 6C 6C" +        // Will Topic "will"
            "00 03 62 79 65" +           // Will Payload "bye"
            "00 04 75 73 65 72" +        // User Name "user"
            "00 04 70 61 73 73");        // Password "pass"
        var packet = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            ClientId = "client",
            CleanSession = true,
            KeepAlive = 10,
            SessionExpiryInterval = 10,
            UserName = "user",
            Password = "pass"u8.ToArray(),
            Will = new WillMessage { Topic = "will", Payload = "bye"u8.ToArray(), QoS = QualityOfService.AtLeastOnce },
        };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<ConnectPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(ProtocolVersion.V500, decoded.ProtocolVersion);
        Assert.Equal("client", decoded.ClientId);
        Assert.True(decoded.CleanSession);
        Assert.Equal(10, decoded.KeepAlive);
        Assert.Equal(10u, decoded.SessionExpiryInterval);
        Assert.Null(decoded.ReceiveMaximum);
        Assert.Empty(decoded.UserProperties);
        Assert.Equal("user", decoded.UserName);
        Assert.Equal("pass"u8.ToArray(), decoded.Password);
        var will = Assert.IsType<WillMessage>(decoded.Will);
        Assert.Equal("will", will.Topic);
        Assert.Equal("bye"u8.ToArray(), will.Payload.ToArray());
        Assert.Equal(QualityOfService.AtLeastOnce, will.QoS);
        Assert.Null(will.WillDelayInterval);
        Assert.Null(will.PayloadFormat);
        Assert.Empty(will.UserProperties);
    }

    // MQTT 5.0 section 3.1.2.11 (CONNECT Properties: 0x11 Session Expiry Interval, 0x21 Receive Maximum, 0x27 Maximum
    // Packet Size, 0x22 Topic Alias Maximum, 0x19 Request Response Information, 0x17 Request Problem Information, 0x26
    // User Property) and 3.1.3.2 (Will Properties: 0x18 Will Delay Interval, 0x01 Payload Format Indicator, 0x02
    // Message Expiry Interval, 0x03 Content Type, 0x08 Response Topic, 0x09 Correlation Data, 0x26 User Property).
    // Flags 0xF6: user name, password, will retain, will QoS 2, will flag, clean start.
    [Fact]
    public void Connect_v5_with_properties_and_will_properties_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "10 72" +                    // CONNECT, Remaining Length 114
            "00 04 4D 51 54 54" +        // Protocol Name "MQTT"
            "05" +                       // Protocol Version 5
            "F6" +                       // flags: user name, password, will retain, will QoS 2, will, clean start
            "00 3C" +                    // Keep Alive 60
            "1B" +                       // Properties Length 27
            "11 00 00 0E 10" +           // Session Expiry Interval 3600
            "21 00 14" +                 // Receive Maximum 20
            "27 00 00 10 00" +           // Maximum Packet Size 4096
            "22 00 05" +                 // Topic Alias Maximum 5
            "19 01" +                    // Request Response Information 1
            "17 00" +                    // Request Problem Information 0
            "26 00 01 6B 00 01 76" +     // User Property "k" = "v"
            "00 06 63 6C 69 65 6E 74" +  // Client Identifier "client"
            "2C" +                       // Will Properties Length 44
            "18 00 00 00 1E" +           // Will Delay Interval 30
            "01 01" +                    // Payload Format Indicator 1 (UTF-8)
            "02 00 00 00 3C" +           // Message Expiry Interval 60
            "03 00 0A 74 65 78 74 2F 70 6C 61 69 6E" + // Content Type "text/plain"
            "08 00 04 72 65 73 70" +     // Response Topic "resp"
            "09 00 02 AB CD" +           // Correlation Data AB CD
            "26 00 01 6B 00 01 76" +     // User Property "k" = "v"
            "00 04 77 69 6C 6C" +        // Will Topic "will"
            "00 03 62 79 65" +           // Will Payload "bye"
            "00 04 75 73 65 72" +        // User Name "user"
            "00 04 70 61 73 73");        // Password "pass"
        var packet = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            ClientId = "client",
            CleanSession = true,
            KeepAlive = 60,
            SessionExpiryInterval = 3600,
            ReceiveMaximum = 20,
            MaximumPacketSize = 4096,
            TopicAliasMaximum = 5,
            RequestResponseInformation = true,
            RequestProblemInformation = false,
            UserProperties = KeyValue,
            UserName = "user",
            Password = "pass"u8.ToArray(),
            Will = new WillMessage
            {
                Topic = "will",
                Payload = "bye"u8.ToArray(),
                QoS = QualityOfService.ExactlyOnce,
                Retain = true,
                WillDelayInterval = 30,
                PayloadFormat = PayloadFormatIndicator.Utf8,
                MessageExpiryInterval = 60,
                ContentType = "text/plain",
                ResponseTopic = "resp",
                CorrelationData = [0xAB, 0xCD],
                UserProperties = KeyValue,
            },
        };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<ConnectPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(ProtocolVersion.V500, decoded.ProtocolVersion);
        Assert.Equal("client", decoded.ClientId);
        Assert.True(decoded.CleanSession);
        Assert.Equal(60, decoded.KeepAlive);
        Assert.Equal(3600u, decoded.SessionExpiryInterval);
        Assert.Equal((ushort)20, decoded.ReceiveMaximum);
        Assert.Equal(4096u, decoded.MaximumPacketSize);
        Assert.Equal((ushort)5, decoded.TopicAliasMaximum);
        Assert.True(decoded.RequestResponseInformation);
        Assert.False(decoded.RequestProblemInformation);
        Assert.Null(decoded.AuthenticationMethod);
        Assert.Equal(KeyValue, decoded.UserProperties);
        Assert.Equal("user", decoded.UserName);
        Assert.Equal("pass"u8.ToArray(), decoded.Password);
        var will = Assert.IsType<WillMessage>(decoded.Will);
        Assert.Equal("will", will.Topic);
        Assert.Equal("bye"u8.ToArray(), will.Payload.ToArray());
        Assert.Equal(QualityOfService.ExactlyOnce, will.QoS);
        Assert.True(will.Retain);
        Assert.Equal(30u, will.WillDelayInterval);
        Assert.Equal(PayloadFormatIndicator.Utf8, will.PayloadFormat);
        Assert.Equal(60u, will.MessageExpiryInterval);
        Assert.Equal("text/plain", will.ContentType);
        Assert.Equal("resp", will.ResponseTopic);
        Assert.Equal(new byte[] { 0xAB, 0xCD }, will.CorrelationData);
        Assert.Equal(KeyValue, will.UserProperties);
    }

    // MQTT 5.0 section 3.1.2.9: "This version of the protocol allows the sending of a Password with no User Name, where
    // MQTT v3.1.1 did not" -> flags 0x40 (Clean Start clear). 3.1.2.11.9/10: Authentication Method (0x15) and
    // Authentication Data (0x16) start enhanced authentication (4.12).
    [Fact]
    public void Connect_v5_with_authentication_method_and_password_without_user_name_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "10 2E" +                    // CONNECT, Remaining Length 46
            "00 04 4D 51 54 54" +        // Protocol Name "MQTT"
            "05" +                       // Protocol Version 5
            "40" +                       // flags: password only; clean start clear
            "00 00" +                    // Keep Alive 0
            "15" +                       // Properties Length 21
            "15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31" + // Authentication Method "SCRAM-SHA-1"
            "16 00 04 01 02 03 04" +     // Authentication Data 01 02 03 04
            "00 06 63 6C 69 65 6E 74" +  // Client Identifier "client"
            "00 04 70 61 73 73");        // Password "pass"
        var packet = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            ClientId = "client",
            CleanSession = false,
            KeepAlive = 0,
            AuthenticationMethod = "SCRAM-SHA-1",
            AuthenticationData = AuthData,
            Password = "pass"u8.ToArray(),
        };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<ConnectPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal("client", decoded.ClientId);
        Assert.False(decoded.CleanSession);
        Assert.Equal(0, decoded.KeepAlive);
        Assert.Equal("SCRAM-SHA-1", decoded.AuthenticationMethod);
        Assert.Equal(AuthData, decoded.AuthenticationData);
        Assert.Null(decoded.UserName);
        Assert.Equal("pass"u8.ToArray(), decoded.Password);
        Assert.Null(decoded.Will);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // CONNACK
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1, CONNACK: byte 1 is "Topic Name Compression Response: Reserved values. Not used.", byte 2 the Connect
    // Return Code; 2 = "Connection Refused: identifier rejected".
    [Theory]
    [InlineData(ReasonCode.Success, "20 02 00 00")]                  // CONNACK, length 2, reserved 00, 0 accepted
    [InlineData(ReasonCode.ClientIdentifierNotValid, "20 02 00 02")] // CONNACK, length 2, reserved 00, 2 identifier rejected
    [InlineData(ReasonCode.NotAuthorized, "20 02 00 05")]            // CONNACK, length 2, reserved 00, 5 not authorized
    public void Connack_v31_matches_the_specification_bytes(ReasonCode reasonCode, string hex)
    {
        var bytes = Hex.Parse(hex);
        AssertEncodes(new ConnAckPacket { ReasonCode = reasonCode }, ProtocolVersion.V310, bytes);
        var decoded = Decode<ConnAckPacket>(bytes, ProtocolVersion.V310);
        Assert.False(decoded.SessionPresent);
        Assert.Equal(reasonCode, decoded.ReasonCode);
    }

    // MQTT 3.1 has no Session Present flag: the first variable header byte of CONNACK is "Topic Name Compression
    // Response - Reserved values. Not used." Session Present only appears in 3.1.1 (3.2.2.2), so a 3.1 CONNACK carries
    // 00 there whatever the server's session state.
    [Fact]
    public void Connack_v31_leaves_the_reserved_first_byte_zero_even_with_a_session_present()
    {
        var bytes = Hex.Parse(
            "20 02" +  // CONNACK, Remaining Length 2
            "00" +     // Topic Name Compression Response: reserved, not used
            "00");     // Connect Return Code 0, accepted

        AssertEncodes(new ConnAckPacket { SessionPresent = true, ReasonCode = ReasonCode.Success }, ProtocolVersion.V310, bytes);
        var decoded = Decode<ConnAckPacket>(bytes, ProtocolVersion.V310);
        Assert.Equal(ReasonCode.Success, decoded.ReasonCode);
    }

    // MQTT 3.1.1 section 3.2.2.3, Table 3.1 Connect Return Code values 0..5.
    [Theory]
    [InlineData(ReasonCode.Success, "20 02 00 00")]                    // 0x00 Connection Accepted
    [InlineData(ReasonCode.UnsupportedProtocolVersion, "20 02 00 01")] // 0x01 unacceptable protocol version
    [InlineData(ReasonCode.ClientIdentifierNotValid, "20 02 00 02")]   // 0x02 identifier rejected
    [InlineData(ReasonCode.ServerUnavailable, "20 02 00 03")]          // 0x03 Server unavailable
    [InlineData(ReasonCode.BadUserNameOrPassword, "20 02 00 04")]      // 0x04 bad user name or password
    [InlineData(ReasonCode.NotAuthorized, "20 02 00 05")]              // 0x05 not authorized
    public void Connack_v311_return_codes_match_the_specification_table(ReasonCode reasonCode, string hex)
    {
        var bytes = Hex.Parse(hex);
        AssertEncodes(new ConnAckPacket { ReasonCode = reasonCode }, ProtocolVersion.V311, bytes);
        var decoded = Decode<ConnAckPacket>(bytes, ProtocolVersion.V311);
        Assert.False(decoded.SessionPresent);
        Assert.Equal(reasonCode, decoded.ReasonCode);
    }

    // MQTT 3.1.1 section 3.2.2.2: bit 0 of the Connect Acknowledge Flags is Session Present, bits 7-1 reserved 0
    // [MQTT-3.2.2-1]; [MQTT-3.2.2-4]: a non-zero return code MUST come with Session Present 0.
    [Fact]
    public void Connack_v311_with_session_present_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "20 02" +  // CONNACK, Remaining Length 2
            "01" +     // Connect Acknowledge Flags: Session Present
            "00");     // Connect Return Code 0, accepted

        AssertEncodes(new ConnAckPacket { SessionPresent = true, ReasonCode = ReasonCode.Success }, ProtocolVersion.V311, bytes);
        var decoded = Decode<ConnAckPacket>(bytes, ProtocolVersion.V311);
        Assert.True(decoded.SessionPresent);
        Assert.Equal(ReasonCode.Success, decoded.ReasonCode);
    }

    [Fact]
    public void Connack_v311_refusal_clears_session_present_as_the_specification_requires()
    {
        var bytes = Hex.Parse(
            "20 02" +  // CONNACK, Remaining Length 2
            "00" +     // Session Present 0 [MQTT-3.2.2-4]
            "05");     // Connect Return Code 5, not authorized

        AssertEncodes(new ConnAckPacket { SessionPresent = true, ReasonCode = ReasonCode.NotAuthorized }, ProtocolVersion.V311, bytes);
        var decoded = Decode<ConnAckPacket>(bytes, ProtocolVersion.V311);
        Assert.False(decoded.SessionPresent);
        Assert.Equal(ReasonCode.NotAuthorized, decoded.ReasonCode);
    }

    // MQTT 5.0 section 3.2.2: Connect Acknowledge Flags, Connect Reason Code, then Properties (the Property Length is
    // always present, 0 here). [MQTT-3.2.2-6]: Session Present 0 when the Reason Code is non-zero.
    [Theory]
    [InlineData(false, ReasonCode.Success, "20 03 00 00 00")]      // CONNACK, length 3, flags 0, Success, no properties
    [InlineData(true, ReasonCode.Success, "20 03 01 00 00")]       // CONNACK, length 3, Session Present, Success, no properties
    [InlineData(true, ReasonCode.NotAuthorized, "20 03 00 87 00")] // CONNACK, length 3, flags 0 [MQTT-3.2.2-6], 0x87, no properties
    [InlineData(false, ReasonCode.Banned, "20 03 00 8A 00")]       // CONNACK, length 3, flags 0, 0x8A Banned, no properties
    public void Connack_v5_without_properties_matches_the_specification_bytes(bool sessionPresent, ReasonCode reasonCode, string hex)
    {
        var bytes = Hex.Parse(hex);
        AssertEncodes(new ConnAckPacket { SessionPresent = sessionPresent, ReasonCode = reasonCode }, ProtocolVersion.V500, bytes);
        var decoded = Decode<ConnAckPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(sessionPresent && reasonCode == ReasonCode.Success, decoded.SessionPresent);
        Assert.Equal(reasonCode, decoded.ReasonCode);
        Assert.Null(decoded.SessionExpiryInterval);
        Assert.Null(decoded.ReasonString);
        Assert.Empty(decoded.UserProperties);
    }

    // MQTT 5.0 section 3.2.2.3 CONNACK Properties: 0x11 Session Expiry Interval, 0x21 Receive Maximum, 0x24 Maximum QoS,
    // 0x25 Retain Available, 0x27 Maximum Packet Size, 0x12 Assigned Client Identifier, 0x22 Topic Alias Maximum,
    // 0x28 Wildcard Subscription Available, 0x29 Subscription Identifiers Available, 0x2A Shared Subscription
    // Available, 0x13 Server Keep Alive, 0x1A Response Information, 0x1C Server Reference, 0x1F Reason String,
    // 0x26 User Property.
    [Fact]
    public void Connack_v5_with_properties_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "20 40" +                    // CONNACK, Remaining Length 64
            "01" +                       // Connect Acknowledge Flags: Session Present
            "00" +                       // Reason Code 0x00 Success
            "3D" +                       // Properties Length 61
            "11 00 00 00 78" +           // Session Expiry Interval 120
            "21 00 0A" +                 // Receive Maximum 10
            "24 01" +                    // Maximum QoS 1
            "25 00" +                    // Retain Available 0
            "27 00 01 00 00" +           // Maximum Packet Size 65536
            "12 00 03 61 62 63" +        // Assigned Client Identifier "abc"
            "22 00 08" +                 // Topic Alias Maximum 8
            "28 00" +                    // Wildcard Subscription Available 0
            "29 01" +                    // Subscription Identifiers Available 1
            "2A 00" +                    // Shared Subscription Available 0
            "13 00 1E" +                 // Server Keep Alive 30
            "1A 00 04 72 65 73 70" +     // Response Information "resp"
            "1C 00 04 73 72 76 32" +     // Server Reference "srv2"
            "1F 00 02 6F 6B" +           // Reason String "ok"
            "26 00 01 6B 00 01 76");     // User Property "k" = "v"
        var packet = new ConnAckPacket
        {
            SessionPresent = true,
            ReasonCode = ReasonCode.Success,
            SessionExpiryInterval = 120,
            ReceiveMaximum = 10,
            MaximumQoS = QualityOfService.AtLeastOnce,
            RetainAvailable = false,
            MaximumPacketSize = 65536,
            AssignedClientIdentifier = "abc",
            TopicAliasMaximum = 8,
            WildcardSubscriptionAvailable = false,
            SubscriptionIdentifiersAvailable = true,
            SharedSubscriptionAvailable = false,
            ServerKeepAlive = 30,
            ResponseInformation = "resp",
            ServerReference = "srv2",
            ReasonString = "ok",
            UserProperties = KeyValue,
        };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<ConnAckPacket>(bytes, ProtocolVersion.V500);
        Assert.True(decoded.SessionPresent);
        Assert.Equal(ReasonCode.Success, decoded.ReasonCode);
        Assert.Equal(120u, decoded.SessionExpiryInterval);
        Assert.Equal((ushort)10, decoded.ReceiveMaximum);
        Assert.Equal(QualityOfService.AtLeastOnce, decoded.MaximumQoS);
        Assert.False(decoded.RetainAvailable);
        Assert.Equal(65536u, decoded.MaximumPacketSize);
        Assert.Equal("abc", decoded.AssignedClientIdentifier);
        Assert.Equal((ushort)8, decoded.TopicAliasMaximum);
        Assert.False(decoded.WildcardSubscriptionAvailable);
        Assert.True(decoded.SubscriptionIdentifiersAvailable);
        Assert.False(decoded.SharedSubscriptionAvailable);
        Assert.Equal((ushort)30, decoded.ServerKeepAlive);
        Assert.Equal("resp", decoded.ResponseInformation);
        Assert.Equal("srv2", decoded.ServerReference);
        Assert.Equal("ok", decoded.ReasonString);
        Assert.Equal(KeyValue, decoded.UserProperties);
        Assert.Null(decoded.AuthenticationMethod);
    }

    // MQTT 5.0 sections 3.2.2.3.17 / 3.2.2.3.18: Authentication Method (0x15) and Authentication Data (0x16) in CONNACK.
    [Fact]
    public void Connack_v5_with_authentication_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "20 16" +                    // CONNACK, Remaining Length 22
            "00" +                       // Connect Acknowledge Flags 0
            "00" +                       // Reason Code 0x00 Success
            "13" +                       // Properties Length 19
            "15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31" + // Authentication Method "SCRAM-SHA-1"
            "16 00 02 05 06");           // Authentication Data 05 06
        var packet = new ConnAckPacket { AuthenticationMethod = "SCRAM-SHA-1", AuthenticationData = [0x05, 0x06] };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<ConnAckPacket>(bytes, ProtocolVersion.V500);
        Assert.False(decoded.SessionPresent);
        Assert.Equal(ReasonCode.Success, decoded.ReasonCode);
        Assert.Equal("SCRAM-SHA-1", decoded.AuthenticationMethod);
        Assert.Equal(new byte[] { 0x05, 0x06 }, decoded.AuthenticationData);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // PUBLISH
    // ---------------------------------------------------------------------------------------------------------------

    // Fixed header byte 1: 0011 DUP QoS QoS RETAIN (3.1 "PUBLISH"; 3.1.1 3.3.1). Variable header: Topic Name, then the
    // Packet Identifier only for QoS 1 and 2 (3.1.1 3.3.2, Figure 3.11 example: "a/b", Packet Identifier 10 ->
    // 00 03 61 2F 62 00 0A). The payload is the rest of the packet.
    public static TheoryData<ProtocolVersion, QualityOfService, bool, bool, ushort, string, string> V3Publishes => new()
    {
        // 30 = PUBLISH QoS 0; 07 = length; 00 03 "a/b"; "hi"
        { ProtocolVersion.V310, QualityOfService.AtMostOnce, false, false, 0, "68 69", "30 07 00 03 61 2F 62 68 69" },
        // 33 = PUBLISH QoS 1 + RETAIN; 09 = length; 00 03 "a/b"; 00 0A id 10; "hi"
        { ProtocolVersion.V310, QualityOfService.AtLeastOnce, true, false, 10, "68 69", "33 09 00 03 61 2F 62 00 0A 68 69" },
        // 3C = PUBLISH QoS 2 + DUP; 09 = length; 00 03 "a/b"; 00 0A id 10; "hi"
        { ProtocolVersion.V310, QualityOfService.ExactlyOnce, false, true, 10, "68 69", "3C 09 00 03 61 2F 62 00 0A 68 69" },
        // 30 = PUBLISH QoS 0; 07 = length; 00 03 "a/b"; "hi"
        { ProtocolVersion.V311, QualityOfService.AtMostOnce, false, false, 0, "68 69", "30 07 00 03 61 2F 62 68 69" },
        // 31 = PUBLISH QoS 0 + RETAIN; 05 = length; 00 03 "a/b"; zero-length payload (clears a retained message, 3.3.1.3)
        { ProtocolVersion.V311, QualityOfService.AtMostOnce, true, false, 0, "", "31 05 00 03 61 2F 62" },
        // 32 = PUBLISH QoS 1; 09 = length; 00 03 "a/b"; 00 0A id 10 (the Figure 3.11 example); "hi"
        { ProtocolVersion.V311, QualityOfService.AtLeastOnce, false, false, 10, "68 69", "32 09 00 03 61 2F 62 00 0A 68 69" },
        // 3A = PUBLISH QoS 1 + DUP; 09 = length; 00 03 "a/b"; 12 34 id 0x1234; "hi"
        { ProtocolVersion.V311, QualityOfService.AtLeastOnce, false, true, 0x1234, "68 69", "3A 09 00 03 61 2F 62 12 34 68 69" },
        // 34 = PUBLISH QoS 2; 09 = length; 00 03 "a/b"; 00 0A id 10; "hi"
        { ProtocolVersion.V311, QualityOfService.ExactlyOnce, false, false, 10, "68 69", "34 09 00 03 61 2F 62 00 0A 68 69" },
        // 3D = PUBLISH QoS 2 + DUP + RETAIN; 09 = length; 00 03 "a/b"; FF FF id 65535; "hi"
        { ProtocolVersion.V311, QualityOfService.ExactlyOnce, true, true, 0xFFFF, "68 69", "3D 09 00 03 61 2F 62 FF FF 68 69" },
    };

    [Theory]
    [MemberData(nameof(V3Publishes))]
    public void Publish_v3_matches_the_specification_bytes(
        ProtocolVersion version, QualityOfService qos, bool retain, bool dup, ushort packetId, string payloadHex, string hex)
    {
        var bytes = Hex.Parse(hex);
        var payload = Hex.Parse(payloadHex);
        var packet = new PublishPacket { Topic = "a/b", QoS = qos, Retain = retain, Dup = dup, PacketId = packetId, Payload = payload };

        AssertEncodes(packet, version, bytes);
        var decoded = Decode<PublishPacket>(bytes, version);
        Assert.Equal("a/b", decoded.Topic);
        Assert.Equal(qos, decoded.QoS);
        Assert.Equal(retain, decoded.Retain);
        Assert.Equal(dup, decoded.Dup);
        Assert.Equal(packetId, decoded.PacketId);
        Assert.Equal(payload, decoded.Payload.ToArray());
    }

    // MQTT 3.1.1 section 2.2.3, Table 2.4 (Remaining Length): 128 is the smallest two-byte value, encoded 0x80 0x01
    // (MQTT 5.0 section 1.5.5 Table 1-1 gives the same).
    [Fact]
    public void Publish_v311_with_a_two_byte_remaining_length_matches_the_specification_bytes()
    {
        var payload = Enumerable.Repeat((byte)0x55, 123).ToArray();
        var bytes = Hex.Parse(
            "30" +                        // PUBLISH QoS 0
            "80 01" +                     // Remaining Length 128 (0x80 0x01)
            "00 03 61 2F 62" +            // Topic Name "a/b"
            string.Concat(Enumerable.Repeat("55 ", 123))); // payload, 123 bytes of 0x55
        var packet = new PublishPacket { Topic = "a/b", Payload = payload };

        AssertEncodes(packet, ProtocolVersion.V311, bytes);
        var decoded = Decode<PublishPacket>(bytes, ProtocolVersion.V311);
        Assert.Equal("a/b", decoded.Topic);
        Assert.Equal(QualityOfService.AtMostOnce, decoded.QoS);
        Assert.Equal(payload, decoded.Payload.ToArray());
    }

    // MQTT 5.0 section 3.3.2.3 Figure 3-9 (PUBLISH variable header example): Topic Name "a/b", Packet Identifier 10,
    // Properties Length 0 -> 00 03 61 2F 62 00 0A 00.
    [Theory]
    [InlineData(QualityOfService.AtMostOnce, (ushort)0, "30 08 00 03 61 2F 62 00 68 69")]       // QoS 0: topic, props length 0, "hi"
    [InlineData(QualityOfService.AtLeastOnce, (ushort)10, "32 0A 00 03 61 2F 62 00 0A 00 68 69")] // QoS 1: topic, id 10, props length 0, "hi"
    [InlineData(QualityOfService.ExactlyOnce, (ushort)10, "34 0A 00 03 61 2F 62 00 0A 00 68 69")] // QoS 2: topic, id 10, props length 0, "hi"
    public void Publish_v5_without_properties_matches_the_specification_example(QualityOfService qos, ushort packetId, string hex)
    {
        var bytes = Hex.Parse(hex);
        var packet = new PublishPacket { Topic = "a/b", QoS = qos, PacketId = packetId, Payload = Hi };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<PublishPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal("a/b", decoded.Topic);
        Assert.Equal(qos, decoded.QoS);
        Assert.Equal(packetId, decoded.PacketId);
        Assert.Null(decoded.PayloadFormat);
        Assert.Null(decoded.MessageExpiryInterval);
        Assert.Equal(0, decoded.TopicAlias);
        Assert.Empty(decoded.SubscriptionIdentifiers);
        Assert.Empty(decoded.UserProperties);
        Assert.Equal(Hi, decoded.Payload.ToArray());
    }

    // MQTT 5.0 section 3.3.2.3 PUBLISH Properties: 0x01 Payload Format Indicator (3.3.2.3.2), 0x02 Message Expiry
    // Interval (3.3.2.3.3), 0x23 Topic Alias (3.3.2.3.4), 0x08 Response Topic (3.3.2.3.5), 0x09 Correlation Data
    // (3.3.2.3.6), 0x0B Subscription Identifier as a Variable Byte Integer, repeatable (3.3.2.3.8, [MQTT-3.3.4-3]),
    // 0x03 Content Type (3.3.2.3.9), 0x26 User Property, order kept [MQTT-3.3.2-18]. 128 as a Variable Byte Integer
    // is 0x80 0x01 (1.5.5).
    [Fact]
    public void Publish_v5_with_every_property_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "35" +                       // PUBLISH QoS 2 + RETAIN
            "40" +                       // Remaining Length 64
            "00 03 61 2F 62" +           // Topic Name "a/b"
            "00 0A" +                    // Packet Identifier 10
            "36" +                       // Properties Length 54
            "01 01" +                    // Payload Format Indicator 1 (UTF-8)
            "02 00 00 00 3C" +           // Message Expiry Interval 60
            "23 00 05" +                 // Topic Alias 5
            "08 00 04 72 65 73 70" +     // Response Topic "resp"
            "09 00 02 AB CD" +           // Correlation Data AB CD
            "0B 01" +                    // Subscription Identifier 1
            "0B 80 01" +                 // Subscription Identifier 128
            "03 00 0A 74 65 78 74 2F 70 6C 61 69 6E" + // Content Type "text/plain"
            "26 00 01 6B 00 01 76" +     // User Property "k" = "v"
            "26 00 01 6B 00 01 77" +     // User Property "k" = "w"
            "68 69");                    // payload "hi"
        UserProperty[] userProperties = [new("k", "v"), new("k", "w")];
        var packet = new PublishPacket
        {
            Topic = "a/b",
            QoS = QualityOfService.ExactlyOnce,
            Retain = true,
            PacketId = 10,
            PayloadFormat = PayloadFormatIndicator.Utf8,
            MessageExpiryInterval = 60,
            TopicAlias = 5,
            ResponseTopic = "resp",
            CorrelationData = [0xAB, 0xCD],
            SubscriptionIdentifiers = [1, 128],
            ContentType = "text/plain",
            UserProperties = userProperties,
            Payload = Hi,
        };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<PublishPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal("a/b", decoded.Topic);
        Assert.Equal(QualityOfService.ExactlyOnce, decoded.QoS);
        Assert.True(decoded.Retain);
        Assert.False(decoded.Dup);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(PayloadFormatIndicator.Utf8, decoded.PayloadFormat);
        Assert.Equal(60u, decoded.MessageExpiryInterval);
        Assert.Equal(5, decoded.TopicAlias);
        Assert.Equal("resp", decoded.ResponseTopic);
        Assert.Equal(new byte[] { 0xAB, 0xCD }, decoded.CorrelationData);
        Assert.Equal(new[] { 1, 128 }, decoded.SubscriptionIdentifiers);
        Assert.Equal("text/plain", decoded.ContentType);
        Assert.Equal(userProperties, decoded.UserProperties);
        Assert.Equal(Hi, decoded.Payload.ToArray());
    }

    // MQTT 5.0 section 3.3.2.3.4: a zero-length Topic Name with a Topic Alias uses the topic the alias stands for
    // [MQTT-3.3.2-1 allows the empty name only then].
    [Fact]
    public void Publish_v5_with_topic_alias_and_empty_topic_name_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "30" +        // PUBLISH QoS 0
            "08" +        // Remaining Length 8
            "00 00" +     // Topic Name, zero length
            "03" +        // Properties Length 3
            "23 00 05" +  // Topic Alias 5
            "68 69");     // payload "hi"
        var packet = new PublishPacket { Topic = "", TopicAlias = 5, Payload = Hi };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<PublishPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal("", decoded.Topic);
        Assert.Equal(5, decoded.TopicAlias);
        Assert.Equal(Hi, decoded.Payload.ToArray());
    }

    // MQTT 5.0 section 1.5.5 Table 1-1: 268,435,455 is the largest Variable Byte Integer, 0xFF 0xFF 0xFF 0x7F, and the
    // largest Subscription Identifier (3.3.2.3.8).
    [Fact]
    public void Publish_v5_with_the_largest_subscription_identifier_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "30" +               // PUBLISH QoS 0
            "0B" +               // Remaining Length 11
            "00 03 61 2F 62" +   // Topic Name "a/b"
            "05" +               // Properties Length 5
            "0B FF FF FF 7F");   // Subscription Identifier 268,435,455; no payload
        var packet = new PublishPacket { Topic = "a/b", SubscriptionIdentifiers = [268_435_455] };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<PublishPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal("a/b", decoded.Topic);
        Assert.Equal(new[] { 268_435_455 }, decoded.SubscriptionIdentifiers);
        Assert.True(decoded.Payload.IsEmpty);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // PUBACK, PUBREC, PUBREL, PUBCOMP
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1.1 sections 3.4-3.7: fixed header 0x40, 0x50, 0x62 (PUBREL bits 3-0 are 0010 [MQTT-3.6.1-1]), 0x70,
    // Remaining Length 2, Packet Identifier. MQTT 3.1 PUBREL: "PUBREL messages use QoS level 1", hence 0x62 as well.
    public static TheoryData<ProtocolVersion, PacketType, ushort, string> V3Acks => new()
    {
        { ProtocolVersion.V310, PacketType.PubAck, 10, "40 02 00 0A" },      // PUBACK, length 2, id 10
        { ProtocolVersion.V310, PacketType.PubRec, 10, "50 02 00 0A" },      // PUBREC, length 2, id 10
        { ProtocolVersion.V310, PacketType.PubRel, 10, "62 02 00 0A" },      // PUBREL (QoS 1 flags), length 2, id 10
        { ProtocolVersion.V310, PacketType.PubComp, 10, "70 02 00 0A" },     // PUBCOMP, length 2, id 10
        { ProtocolVersion.V311, PacketType.PubAck, 10, "40 02 00 0A" },      // PUBACK, length 2, id 10
        { ProtocolVersion.V311, PacketType.PubRec, 0x1234, "50 02 12 34" },  // PUBREC, length 2, id 0x1234
        { ProtocolVersion.V311, PacketType.PubRel, 10, "62 02 00 0A" },      // PUBREL (flags 0010), length 2, id 10
        { ProtocolVersion.V311, PacketType.PubComp, 0xFFFF, "70 02 FF FF" }, // PUBCOMP, length 2, id 65535
    };

    [Theory]
    [MemberData(nameof(V3Acks))]
    public void Publish_acknowledgements_v3_match_the_specification_bytes(ProtocolVersion version, PacketType type, ushort packetId, string hex)
    {
        var bytes = Hex.Parse(hex);
        AssertEncodes(new AckPacket(type, packetId), version, bytes);
        var decoded = Decode<AckPacket>(bytes, version);
        Assert.Equal(type, decoded.Type);
        Assert.Equal(packetId, decoded.PacketId);
        Assert.Equal(ReasonCode.Success, decoded.ReasonCode);
    }

    // MQTT 3.1, fixed header DUP flag: "This flag is set when the client or server attempts to re-deliver a PUBLISH,
    // PUBREL, SUBSCRIBE or UNSUBSCRIBE message." and PUBREL: "Retries are handled in the same way as PUBLISH messages."
    // So a 3.1 peer retrying a PUBREL sends 0110 1010 = 0x6A. (3.1.1 made those bits reserved, [MQTT-3.6.1-1].)
    [Fact]
    public void Pubrel_v31_retry_with_dup_flag_is_accepted_as_the_specification_allows()
    {
        var bytes = Hex.Parse(
            "6A" +     // PUBREL, DUP + QoS 1
            "02" +     // Remaining Length 2
            "00 0A");  // Packet Identifier 10

        var decoded = Decode<AckPacket>(bytes, ProtocolVersion.V310);
        Assert.Equal(PacketType.PubRel, decoded.Type);
        Assert.Equal(10, decoded.PacketId);
    }

    // MQTT 5.0 section 3.4.2.1 (and 3.5.2.1, 3.6.2.1, 3.7.2.1): "The Reason Code and Property Length can be omitted if
    // the Reason Code is 0x00 (Success) and there are no Properties. In this case the PUBACK has a Remaining Length of
    // 2." Section 3.4.2.2.1: "If the Remaining Length is less than 4 there is no Property Length and the value of 0 is
    // used." PUBREL keeps its 0010 flags [MQTT-3.6.1-1].
    public static TheoryData<PacketType, ReasonCode, string> V5AcksWithoutProperties => new()
    {
        { PacketType.PubAck, ReasonCode.Success, "40 02 00 0A" },                      // PUBACK, length 2, id 10
        { PacketType.PubRec, ReasonCode.Success, "50 02 00 0A" },                      // PUBREC, length 2, id 10
        { PacketType.PubRel, ReasonCode.Success, "62 02 00 0A" },                      // PUBREL, length 2, id 10
        { PacketType.PubComp, ReasonCode.Success, "70 02 00 0A" },                     // PUBCOMP, length 2, id 10
        { PacketType.PubAck, ReasonCode.NoMatchingSubscribers, "40 03 00 0A 10" },     // PUBACK, length 3, id 10, 0x10
        { PacketType.PubRec, ReasonCode.QuotaExceeded, "50 03 00 0A 97" },             // PUBREC, length 3, id 10, 0x97
        { PacketType.PubRel, ReasonCode.PacketIdentifierNotFound, "62 03 00 0A 92" },  // PUBREL, length 3, id 10, 0x92
        { PacketType.PubComp, ReasonCode.PacketIdentifierNotFound, "70 03 00 0A 92" }, // PUBCOMP, length 3, id 10, 0x92
    };

    [Theory]
    [MemberData(nameof(V5AcksWithoutProperties))]
    public void Publish_acknowledgements_v5_without_properties_match_the_specification_bytes(PacketType type, ReasonCode reasonCode, string hex)
    {
        var bytes = Hex.Parse(hex);
        AssertEncodes(new AckPacket(type, 10, reasonCode), ProtocolVersion.V500, bytes);
        var decoded = Decode<AckPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(type, decoded.Type);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(reasonCode, decoded.ReasonCode);
        Assert.Null(decoded.ReasonString);
        Assert.Empty(decoded.UserProperties);
    }

    // MQTT 5.0 sections 3.4.2.2 / 3.5.2.2 / 3.6.2.2 / 3.7.2.2: properties are Reason String (0x1F) and User Property
    // (0x26); with properties present the Reason Code byte is always written, even for Success.
    public static TheoryData<PacketType, ReasonCode, string?, bool, string> V5AcksWithProperties => new()
    {
        // PUBACK, length 9, id 10, 0x87 Not authorized, props length 5, Reason String "no"
        { PacketType.PubAck, ReasonCode.NotAuthorized, "no", false, "40 09 00 0A 87 05 1F 00 02 6E 6F" },
        // PUBREC, length 11, id 10, 0x00 Success, props length 7, User Property "k" = "v"
        { PacketType.PubRec, ReasonCode.Success, null, true, "50 0B 00 0A 00 07 26 00 01 6B 00 01 76" },
        // PUBREL, length 11, id 10, 0x92 Packet Identifier not found, props length 7, Reason String "gone"
        { PacketType.PubRel, ReasonCode.PacketIdentifierNotFound, "gone", false, "62 0B 00 0A 92 07 1F 00 04 67 6F 6E 65" },
        // PUBCOMP, length 16, id 10, 0x00 Success, props length 12, Reason String "ok", User Property "k" = "v"
        { PacketType.PubComp, ReasonCode.Success, "ok", true, "70 10 00 0A 00 0C 1F 00 02 6F 6B 26 00 01 6B 00 01 76" },
    };

    [Theory]
    [MemberData(nameof(V5AcksWithProperties))]
    public void Publish_acknowledgements_v5_with_reason_code_and_properties_match_the_specification_bytes(
        PacketType type, ReasonCode reasonCode, string? reasonString, bool withUserProperty, string hex)
    {
        var bytes = Hex.Parse(hex);
        var packet = new AckPacket(type, 10, reasonCode) { ReasonString = reasonString, UserProperties = withUserProperty ? KeyValue : [] };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<AckPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(type, decoded.Type);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(reasonCode, decoded.ReasonCode);
        Assert.Equal(reasonString, decoded.ReasonString);
        Assert.Equal(withUserProperty ? KeyValue : [], decoded.UserProperties);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // SUBSCRIBE
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1.1 section 3.8.1: fixed header 1000 0010 [MQTT-3.8.1-1]; 3.8.3 Figure 3.22 payload example: Topic Filter
    // "a/b" Requested QoS 1, Topic Filter "c/d" Requested QoS 2. MQTT 3.1 SUBSCRIBE has the same layout ("SUBSCRIBE
    // messages use QoS level 1").
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    public void Subscribe_v3_matches_the_specification_example(ProtocolVersion version)
    {
        var bytes = Hex.Parse(
            "82" +               // SUBSCRIBE, flags 0010
            "0E" +               // Remaining Length 14
            "00 0A" +            // Packet Identifier 10
            "00 03 61 2F 62" +   // Topic Filter "a/b"
            "01" +               // Requested QoS 1
            "00 03 63 2F 64" +   // Topic Filter "c/d"
            "02");               // Requested QoS 2
        var packet = new SubscribePacket
        {
            PacketId = 10,
            Subscriptions = [new("a/b", QualityOfService.AtLeastOnce), new("c/d", QualityOfService.ExactlyOnce)],
        };

        AssertEncodes(packet, version, bytes);
        var decoded = Decode<SubscribePacket>(bytes, version);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(
            new[] { new TopicSubscription("a/b", QualityOfService.AtLeastOnce), new TopicSubscription("c/d", QualityOfService.ExactlyOnce) },
            decoded.Subscriptions);
    }

    // MQTT 5.0 section 3.8.3 Figure 3-21 payload example ("a/b" options 1, "c/d" options 2) after a variable header
    // with Packet Identifier 10 and Properties Length 0.
    [Fact]
    public void Subscribe_v5_without_properties_matches_the_specification_example()
    {
        var bytes = Hex.Parse(
            "82" +               // SUBSCRIBE, flags 0010
            "0F" +               // Remaining Length 15
            "00 0A" +            // Packet Identifier 10
            "00" +               // Properties Length 0
            "00 03 61 2F 62" +   // Topic Filter "a/b"
            "01" +               // Subscription Options: QoS 1
            "00 03 63 2F 64" +   // Topic Filter "c/d"
            "02");               // Subscription Options: QoS 2
        var packet = new SubscribePacket
        {
            PacketId = 10,
            Subscriptions = [new("a/b", QualityOfService.AtLeastOnce), new("c/d", QualityOfService.ExactlyOnce)],
        };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<SubscribePacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(10, decoded.PacketId);
        Assert.Null(decoded.SubscriptionIdentifier);
        Assert.Empty(decoded.UserProperties);
        Assert.Equal(
            new[] { new TopicSubscription("a/b", QualityOfService.AtLeastOnce), new TopicSubscription("c/d", QualityOfService.ExactlyOnce) },
            decoded.Subscriptions);
    }

    // MQTT 5.0 section 3.8.3.1 Figure 3-20 Subscription Options byte: bits 1-0 Maximum QoS, bit 2 No Local, bit 3
    // Retain As Published, bits 5-4 Retain Handling, bits 7-6 reserved 0.
    [Theory]
    [InlineData(QualityOfService.AtMostOnce, false, false, RetainHandling.SendAtSubscribe, "00")]      // all clear
    [InlineData(QualityOfService.AtLeastOnce, false, false, RetainHandling.SendAtSubscribe, "01")]     // QoS 1
    [InlineData(QualityOfService.ExactlyOnce, false, false, RetainHandling.SendAtSubscribe, "02")]     // QoS 2
    [InlineData(QualityOfService.AtMostOnce, true, false, RetainHandling.SendAtSubscribe, "04")]       // No Local
    [InlineData(QualityOfService.AtMostOnce, false, true, RetainHandling.SendAtSubscribe, "08")]       // Retain As Published
    [InlineData(QualityOfService.AtMostOnce, false, false, RetainHandling.SendAtSubscribeIfNew, "10")] // Retain Handling 1
    [InlineData(QualityOfService.AtMostOnce, false, false, RetainHandling.DoNotSend, "20")]            // Retain Handling 2
    [InlineData(QualityOfService.ExactlyOnce, true, true, RetainHandling.DoNotSend, "2E")]             // all of them
    public void Subscribe_v5_subscription_options_bits_match_the_specification(
        QualityOfService qos, bool noLocal, bool retainAsPublished, RetainHandling retainHandling, string optionsHex)
    {
        var bytes = Hex.Parse(
            "82" +               // SUBSCRIBE, flags 0010
            "09" +               // Remaining Length 9
            "00 0A" +            // Packet Identifier 10
            "00" +               // Properties Length 0
            "00 03 61 2F 62" +   // Topic Filter "a/b"
            optionsHex);         // Subscription Options
        var subscription = new TopicSubscription("a/b", qos) { NoLocal = noLocal, RetainAsPublished = retainAsPublished, RetainHandling = retainHandling };
        var packet = new SubscribePacket { PacketId = 10, Subscriptions = [subscription] };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<SubscribePacket>(bytes, ProtocolVersion.V500);
        var only = Assert.Single(decoded.Subscriptions);
        Assert.Equal("a/b", only.TopicFilter);
        Assert.Equal(qos, only.MaximumQoS);
        Assert.Equal(noLocal, only.NoLocal);
        Assert.Equal(retainAsPublished, only.RetainAsPublished);
        Assert.Equal(retainHandling, only.RetainHandling);
    }

    // MQTT 5.0 section 3.8.2.1: SUBSCRIBE Properties are Subscription Identifier (0x0B, Variable Byte Integer; 200 is
    // 0xC8 0x01) and User Property (0x26). Options 0x2D = Retain Handling 2, Retain As Published, No Local, QoS 1;
    // 0x12 = Retain Handling 1, QoS 2.
    [Fact]
    public void Subscribe_v5_with_subscription_identifier_user_property_and_options_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "82" +                       // SUBSCRIBE, flags 0010
            "19" +                       // Remaining Length 25
            "00 0A" +                    // Packet Identifier 10
            "0A" +                       // Properties Length 10
            "0B C8 01" +                 // Subscription Identifier 200
            "26 00 01 6B 00 01 76" +     // User Property "k" = "v"
            "00 03 61 2F 62" +           // Topic Filter "a/b"
            "2D" +                       // Options: Retain Handling 2, Retain As Published, No Local, QoS 1
            "00 03 63 2F 64" +           // Topic Filter "c/d"
            "12");                       // Options: Retain Handling 1, QoS 2
        var first = new TopicSubscription("a/b", QualityOfService.AtLeastOnce)
        {
            NoLocal = true,
            RetainAsPublished = true,
            RetainHandling = RetainHandling.DoNotSend,
        };
        var second = new TopicSubscription("c/d", QualityOfService.ExactlyOnce) { RetainHandling = RetainHandling.SendAtSubscribeIfNew };
        var packet = new SubscribePacket { PacketId = 10, SubscriptionIdentifier = 200, UserProperties = KeyValue, Subscriptions = [first, second] };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<SubscribePacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(200, decoded.SubscriptionIdentifier);
        Assert.Equal(KeyValue, decoded.UserProperties);
        Assert.Equal(new[] { first, second }, decoded.Subscriptions);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // SUBACK
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1.1 section 3.9.3 Figure 3.26 payload example: "Success - Maximum QoS 0", "Success - Maximum QoS 2",
    // "Failure" -> 00 02 80. MQTT 3.1 SUBACK carries only granted QoS values 0, 1, 2.
    [Theory]
    // SUBACK, length 5, id 10, granted QoS 0, 1, 2
    [InlineData(ProtocolVersion.V310, new[] { ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2 }, "90 05 00 0A 00 01 02")]
    // SUBACK, length 5, id 10, granted QoS 0, granted QoS 2, failure 0x80
    [InlineData(ProtocolVersion.V311, new[] { ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS2, ReasonCode.UnspecifiedError }, "90 05 00 0A 00 02 80")]
    public void Suback_v3_matches_the_specification_example(ProtocolVersion version, ReasonCode[] codes, string hex)
    {
        var bytes = Hex.Parse(hex);
        AssertEncodes(new SubAckPacket { PacketId = 10, ReasonCodes = codes }, version, bytes);
        var decoded = Decode<SubAckPacket>(bytes, version);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(codes, decoded.ReasonCodes);
    }

    // MQTT 5.0 section 3.9.2: Packet Identifier, Properties (Reason String 0x1F, User Property 0x26); 3.9.3: one Reason
    // Code per Topic Filter (0x00 Granted QoS 0, 0x01 Granted QoS 1, 0x87 Not authorized, 0x9E Shared Subscriptions not
    // supported).
    [Fact]
    public void Suback_v5_without_properties_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "90" +      // SUBACK
            "04" +      // Remaining Length 4
            "00 0A" +   // Packet Identifier 10
            "00" +      // Properties Length 0
            "01");      // Reason Code 0x01 Granted QoS 1

        AssertEncodes(new SubAckPacket { PacketId = 10, ReasonCodes = [ReasonCode.GrantedQoS1] }, ProtocolVersion.V500, bytes);
        var decoded = Decode<SubAckPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(new[] { ReasonCode.GrantedQoS1 }, decoded.ReasonCodes);
        Assert.Null(decoded.ReasonString);
        Assert.Empty(decoded.UserProperties);
    }

    [Fact]
    public void Suback_v5_with_properties_and_failure_codes_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "90" +                       // SUBACK
            "13" +                       // Remaining Length 19
            "00 0A" +                    // Packet Identifier 10
            "0C" +                       // Properties Length 12
            "1F 00 02 6F 6B" +           // Reason String "ok"
            "26 00 01 6B 00 01 76" +     // User Property "k" = "v"
            "00" +                       // 0x00 Granted QoS 0
            "02" +                       // 0x02 Granted QoS 2
            "87" +                       // 0x87 Not authorized
            "9E");                       // 0x9E Shared Subscriptions not supported
        ReasonCode[] codes = [ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS2, ReasonCode.NotAuthorized, ReasonCode.SharedSubscriptionsNotSupported];
        var packet = new SubAckPacket { PacketId = 10, ReasonCodes = codes, ReasonString = "ok", UserProperties = KeyValue };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<SubAckPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(codes, decoded.ReasonCodes);
        Assert.Equal("ok", decoded.ReasonString);
        Assert.Equal(KeyValue, decoded.UserProperties);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // UNSUBSCRIBE
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1.1 section 3.10.1: fixed header 1010 0010 [MQTT-3.10.1-1]; 3.10.3 Figure 3.30 payload example: Topic
    // Filters "a/b" and "c/d". MQTT 3.1 UNSUBSCRIBE has the same layout (QoS 1 in the fixed header).
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    public void Unsubscribe_v3_matches_the_specification_example(ProtocolVersion version)
    {
        var bytes = Hex.Parse(
            "A2" +               // UNSUBSCRIBE, flags 0010
            "0C" +               // Remaining Length 12
            "00 0A" +            // Packet Identifier 10
            "00 03 61 2F 62" +   // Topic Filter "a/b"
            "00 03 63 2F 64");   // Topic Filter "c/d"

        AssertEncodes(new UnsubscribePacket { PacketId = 10, TopicFilters = ["a/b", "c/d"] }, version, bytes);
        var decoded = Decode<UnsubscribePacket>(bytes, version);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(new[] { "a/b", "c/d" }, decoded.TopicFilters);
    }

    // MQTT 5.0 section 3.10.2: Packet Identifier then Properties (only User Property, 0x26); 3.10.3 Figure 3-27
    // payload example "a/b", "c/d".
    [Theory]
    [InlineData(false, "A2 0D 00 0A 00 00 03 61 2F 62 00 03 63 2F 64")]                      // length 13, id 10, props 0, "a/b", "c/d"
    [InlineData(true, "A2 14 00 0A 07 26 00 01 6B 00 01 76 00 03 61 2F 62 00 03 63 2F 64")] // length 20, id 10, props 7: "k"="v", "a/b", "c/d"
    public void Unsubscribe_v5_matches_the_specification_bytes(bool withUserProperty, string hex)
    {
        var bytes = Hex.Parse(hex);
        var packet = new UnsubscribePacket { PacketId = 10, TopicFilters = ["a/b", "c/d"], UserProperties = withUserProperty ? KeyValue : [] };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<UnsubscribePacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(new[] { "a/b", "c/d" }, decoded.TopicFilters);
        Assert.Equal(withUserProperty ? KeyValue : [], decoded.UserProperties);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // UNSUBACK
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1.1 section 3.11: fixed header 0xB0, Remaining Length 2, Packet Identifier; "The UNSUBACK Packet has no
    // payload" (3.11.3). MQTT 3.1 UNSUBACK is the same.
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    public void Unsuback_v3_has_no_payload_as_the_specification_says(ProtocolVersion version)
    {
        var bytes = Hex.Parse(
            "B0" +      // UNSUBACK
            "02" +      // Remaining Length 2
            "00 0A");   // Packet Identifier 10

        AssertEncodes(new UnsubAckPacket { PacketId = 10 }, version, bytes);
        var decoded = Decode<UnsubAckPacket>(bytes, version);
        Assert.Equal(10, decoded.PacketId);
        Assert.Empty(decoded.ReasonCodes);
    }

    // MQTT 5.0 section 3.11.2: Packet Identifier, Properties (Reason String 0x1F, User Property 0x26); 3.11.3: one
    // Reason Code per Topic Filter (0x00 Success, 0x11 No subscription existed, 0x87 Not authorized).
    [Fact]
    public void Unsuback_v5_with_reason_codes_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "B0" +      // UNSUBACK
            "05" +      // Remaining Length 5
            "00 0A" +   // Packet Identifier 10
            "00" +      // Properties Length 0
            "00" +      // 0x00 Success
            "11");      // 0x11 No subscription existed
        ReasonCode[] codes = [ReasonCode.Success, ReasonCode.NoSubscriptionExisted];

        AssertEncodes(new UnsubAckPacket { PacketId = 10, ReasonCodes = codes }, ProtocolVersion.V500, bytes);
        var decoded = Decode<UnsubAckPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(codes, decoded.ReasonCodes);
        Assert.Null(decoded.ReasonString);
    }

    [Fact]
    public void Unsuback_v5_with_reason_string_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "B0" +               // UNSUBACK
            "0A" +               // Remaining Length 10
            "00 0A" +            // Packet Identifier 10
            "05" +               // Properties Length 5
            "1F 00 02 6F 6B" +   // Reason String "ok"
            "00" +               // 0x00 Success
            "87");               // 0x87 Not authorized
        ReasonCode[] codes = [ReasonCode.Success, ReasonCode.NotAuthorized];

        AssertEncodes(new UnsubAckPacket { PacketId = 10, ReasonCodes = codes, ReasonString = "ok" }, ProtocolVersion.V500, bytes);
        var decoded = Decode<UnsubAckPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(10, decoded.PacketId);
        Assert.Equal(codes, decoded.ReasonCodes);
        Assert.Equal("ok", decoded.ReasonString);
        Assert.Empty(decoded.UserProperties);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // PINGREQ, PINGRESP
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1.1 sections 3.12 / 3.13 and MQTT 5.0 sections 3.12 / 3.13: 0xC0 00 and 0xD0 00, no variable header, no
    // payload. MQTT 3.1 PINGREQ/PINGRESP are identical.
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Pingreq_and_pingresp_match_the_specification_bytes(ProtocolVersion version)
    {
        var request = Hex.Parse("C0 00");  // PINGREQ, Remaining Length 0
        var response = Hex.Parse("D0 00"); // PINGRESP, Remaining Length 0

        AssertEncodes(PingReqPacket.Instance, version, request);
        AssertEncodes(PingRespPacket.Instance, version, response);
        Assert.Equal(PacketType.PingReq, Decode<PingReqPacket>(request, version).Type);
        Assert.Equal(PacketType.PingResp, Decode<PingRespPacket>(response, version).Type);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // DISCONNECT
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 3.1.1 section 3.14: 0xE0, Remaining Length 0, no variable header, no payload. MQTT 3.1 is the same.
    // MQTT 5.0 section 3.14.2.1: "The Reason Code and Property Length can be omitted if the Reason Code is 0x00 (Normal
    // disconnection) and there are no Properties. In this case the DISCONNECT has a Remaining Length of 0."
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Disconnect_normal_is_empty_as_the_specification_says(ProtocolVersion version)
    {
        var bytes = Hex.Parse("E0 00"); // DISCONNECT, Remaining Length 0

        AssertEncodes(new DisconnectPacket(), version, bytes);
        var decoded = Decode<DisconnectPacket>(bytes, version);
        Assert.Equal(ReasonCode.NormalDisconnection, decoded.ReasonCode);
        Assert.Null(decoded.SessionExpiryInterval);
        Assert.Null(decoded.ReasonString);
        Assert.Null(decoded.ServerReference);
        Assert.Empty(decoded.UserProperties);
    }

    // MQTT 5.0 section 3.14.2.2.1: "If the Remaining Length is less than 2, a value of 0 is used" for the Property
    // Length, so a Reason Code alone is a Remaining Length of 1.
    [Theory]
    [InlineData(ReasonCode.DisconnectWithWillMessage, "E0 01 04")] // DISCONNECT, length 1, 0x04 Disconnect with Will Message
    [InlineData(ReasonCode.ServerShuttingDown, "E0 01 8B")]        // DISCONNECT, length 1, 0x8B Server shutting down
    public void Disconnect_v5_with_reason_code_only_matches_the_specification_bytes(ReasonCode reasonCode, string hex)
    {
        var bytes = Hex.Parse(hex);
        AssertEncodes(new DisconnectPacket { ReasonCode = reasonCode }, ProtocolVersion.V500, bytes);
        var decoded = Decode<DisconnectPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(reasonCode, decoded.ReasonCode);
        Assert.Null(decoded.ReasonString);
    }

    // MQTT 5.0 section 3.14.2.2: DISCONNECT Properties 0x11 Session Expiry Interval (client to server), 0x1F Reason
    // String, 0x26 User Property.
    [Fact]
    public void Disconnect_v5_from_the_client_with_session_expiry_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "E0" +                       // DISCONNECT
            "15" +                       // Remaining Length 21
            "00" +                       // Reason Code 0x00 Normal disconnection
            "13" +                       // Properties Length 19
            "11 00 00 01 2C" +           // Session Expiry Interval 300
            "1F 00 04 67 6F 6E 65" +     // Reason String "gone"
            "26 00 01 6B 00 01 76");     // User Property "k" = "v"
        var packet = new DisconnectPacket { SessionExpiryInterval = 300, ReasonString = "gone", UserProperties = KeyValue };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<DisconnectPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(ReasonCode.NormalDisconnection, decoded.ReasonCode);
        Assert.Equal(300u, decoded.SessionExpiryInterval);
        Assert.Equal("gone", decoded.ReasonString);
        Assert.Null(decoded.ServerReference);
        Assert.Equal(KeyValue, decoded.UserProperties);
    }

    // MQTT 5.0 section 3.14.2.2.5 Server Reference (0x1C) with Reason Code 0x9C Use another server (4.11).
    [Fact]
    public void Disconnect_v5_from_the_server_with_server_reference_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "E0" +                       // DISCONNECT
            "10" +                       // Remaining Length 16
            "9C" +                       // Reason Code 0x9C Use another server
            "0E" +                       // Properties Length 14
            "1C 00 04 73 72 76 32" +     // Server Reference "srv2"
            "1F 00 04 67 6F 6E 65");     // Reason String "gone"
        var packet = new DisconnectPacket { ReasonCode = ReasonCode.UseAnotherServer, ServerReference = "srv2", ReasonString = "gone" };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<DisconnectPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(ReasonCode.UseAnotherServer, decoded.ReasonCode);
        Assert.Null(decoded.SessionExpiryInterval);
        Assert.Equal("srv2", decoded.ServerReference);
        Assert.Equal("gone", decoded.ReasonString);
        Assert.Empty(decoded.UserProperties);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // AUTH (MQTT 5.0 only)
    // ---------------------------------------------------------------------------------------------------------------

    // MQTT 5.0 section 3.15.2.1: "The Reason Code and Property Length can be omitted if the Reason Code is 0x00
    // (Success) and there are no Properties. In this case the AUTH has a Remaining Length of 0."
    [Fact]
    public void Auth_v5_success_without_properties_is_empty_as_the_specification_says()
    {
        var bytes = Hex.Parse("F0 00"); // AUTH, Remaining Length 0

        AssertEncodes(new AuthPacket { ReasonCode = ReasonCode.Success }, ProtocolVersion.V500, bytes);
        var decoded = Decode<AuthPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(ReasonCode.Success, decoded.ReasonCode);
        Assert.Null(decoded.AuthenticationMethod);
        Assert.Null(decoded.AuthenticationData);
    }

    // MQTT 5.0 sections 3.15.2.1 (0x18 Continue authentication), 3.15.2.2.2 Authentication Method (0x15; "It is a
    // Protocol Error to omit the Authentication Method") and 3.15.2.2.3 Authentication Data (0x16).
    [Fact]
    public void Auth_v5_continue_authentication_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "F0" +                       // AUTH
            "17" +                       // Remaining Length 23
            "18" +                       // Reason Code 0x18 Continue authentication
            "15" +                       // Properties Length 21
            "15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31" + // Authentication Method "SCRAM-SHA-1"
            "16 00 04 01 02 03 04");     // Authentication Data 01 02 03 04
        var packet = new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRAM-SHA-1", AuthenticationData = AuthData };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<AuthPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(ReasonCode.ContinueAuthentication, decoded.ReasonCode);
        Assert.Equal("SCRAM-SHA-1", decoded.AuthenticationMethod);
        Assert.Equal(AuthData, decoded.AuthenticationData);
        Assert.Null(decoded.ReasonString);
        Assert.Empty(decoded.UserProperties);
    }

    // MQTT 5.0 section 3.15.2.2: AUTH Properties 0x15, 0x16, 0x1F Reason String, 0x26 User Property; 0x19 Re-authenticate.
    [Fact]
    public void Auth_v5_reauthenticate_with_reason_string_and_user_property_matches_the_specification_bytes()
    {
        var bytes = Hex.Parse(
            "F0" +                       // AUTH
            "25" +                       // Remaining Length 37
            "19" +                       // Reason Code 0x19 Re-authenticate
            "23" +                       // Properties Length 35
            "15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31" + // Authentication Method "SCRAM-SHA-1"
            "16 00 04 01 02 03 04" +     // Authentication Data 01 02 03 04
            "1F 00 04 67 6F 6E 65" +     // Reason String "gone"
            "26 00 01 6B 00 01 76");     // User Property "k" = "v"
        var packet = new AuthPacket
        {
            ReasonCode = ReasonCode.ReAuthenticate,
            AuthenticationMethod = "SCRAM-SHA-1",
            AuthenticationData = AuthData,
            ReasonString = "gone",
            UserProperties = KeyValue,
        };

        AssertEncodes(packet, ProtocolVersion.V500, bytes);
        var decoded = Decode<AuthPacket>(bytes, ProtocolVersion.V500);
        Assert.Equal(ReasonCode.ReAuthenticate, decoded.ReasonCode);
        Assert.Equal("SCRAM-SHA-1", decoded.AuthenticationMethod);
        Assert.Equal(AuthData, decoded.AuthenticationData);
        Assert.Equal("gone", decoded.ReasonString);
        Assert.Equal(KeyValue, decoded.UserProperties);
    }

    // MQTT 3.1.1 section 2.2.1 Table 2.1: control packet type 15 is "Reserved - Forbidden"; AUTH exists only in 5.0.
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    public void Auth_does_not_exist_before_v5(ProtocolVersion version)
    {
        var bytes = Hex.Parse("F0 00"); // type 15, Remaining Length 0

        Assert.Throws<ArgumentException>(() => PacketEncoder.ToArray(new AuthPacket(), version));
        var status = FrameReader.TryReadFrame(new ReadOnlySequence<byte>(bytes), int.MaxValue, out var frame, out _);
        Assert.False(status == FrameStatus.Complete && PacketDecoder.TryDecode(frame, version, out _, out _));
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The encoder produces exactly <paramref name="expected"/>, and predicts its size.</summary>
    private static void AssertEncodes(IMqttPacket packet, ProtocolVersion version, byte[] expected)
    {
        Assert.Equal(Hex.Format(expected), Hex.Format(PacketEncoder.ToArray(packet, version)));
        Assert.Equal(expected.Length, PacketEncoder.GetSize(packet, version));
    }

    /// <summary>The frame reader finds one whole packet spanning all of <paramref name="bytes"/>, and the decoder accepts it.</summary>
    private static T Decode<T>(byte[] bytes, ProtocolVersion version)
        where T : IMqttPacket =>
        Assert.IsType<T>(RoundTripTests.Decode(new ReadOnlySequence<byte>(bytes), version, bytes.Length));
}
