import Testing
import UDPChatWire

/// Every verb, at typical and extreme values: parse(serialized) == message and serialized(parse(text)) == text.
@Suite("Codec round trips")
struct RoundTripTests {
    static let samples: [(String, Message)] = [
        ("REGISTER 1 1", .register(id: 1, port: 1)),
        ("REGISTER 2147483647 65535", .register(id: 2_147_483_647, port: 65535)),
        ("REGISTERED 42 7070", .registered(id: 42, port: 7070)),
        ("LOOKUP 7", .lookup(id: 7)),
        ("PEER 7 127.0.0.1 40000", .peer(id: 7, host: "127.0.0.1", port: 40000)),
        ("PEER 7 ::1 40000", .peer(id: 7, host: "::1", port: 40000)),
        ("PEER 7 fe80::1:2:3:4 1", .peer(id: 7, host: "fe80::1:2:3:4", port: 1)),
        ("PEER 7 2001:DB8::FF 1", .peer(id: 7, host: "2001:DB8::FF", port: 1)),
        ("PEER 7 ::ffff:10.0.0.1 9", .peer(id: 7, host: "::ffff:10.0.0.1", port: 9)),
        ("PEER 7 255.255.255.255 65535", .peer(id: 7, host: "255.255.255.255", port: 65535)),
        ("PEER 7 0.0.0.0 80", .peer(id: 7, host: "0.0.0.0", port: 80)),
        ("INACTIVE 9", .inactive(id: 9)),
        ("LEAVE 3", .leave(id: 3)),
        ("LEFT 3", .left(id: 3)),
        ("ERROR ID_IN_USE 5", .error(code: .idInUse, id: 5)),
        ("ERROR ADDRESS_IN_USE 6", .error(code: .addressInUse, id: 6)),
        ("ERROR NOT_OWNER 7", .error(code: .notOwner, id: 7)),
        ("ERROR NOT_REGISTERED 8", .error(code: .notRegistered, id: 8)),
        ("CONNECT 4294967295 1", .connect(conn: 4_294_967_295, id: 1)),
        ("ACCEPT 1 2147483647", .accept(conn: 1, id: 2_147_483_647)),
        ("REJECT 123 45", .reject(conn: 123, id: 45)),
        ("MSG 1 2 3 hello", .msg(conn: 1, id: 2, seq: 3, text: "hello")),
        ("MSG 1 2 2147483647 x", .msg(conn: 1, id: 2, seq: 2_147_483_647, text: "x")),
        ("MSG 9 8 7 text with  several   spaces ", .msg(conn: 9, id: 8, seq: 7, text: "text with  several   spaces ")),
        ("MSG 9 8 7  leading space", .msg(conn: 9, id: 8, seq: 7, text: " leading space")),
        ("MSG 9 8 7  ", .msg(conn: 9, id: 8, seq: 7, text: " ")),
        ("MSG 9 8 7 héllo wörld ✓ 🎉", .msg(conn: 9, id: 8, seq: 7, text: "héllo wörld ✓ 🎉")),
        ("MSG 9 8 7 tab\there", .msg(conn: 9, id: 8, seq: 7, text: "tab\there")),
        ("MSG 9 8 7 MSG 1 2 3 nested", .msg(conn: 9, id: 8, seq: 7, text: "MSG 1 2 3 nested")),
        ("ACK 4294967295 2147483647 2147483647", .ack(conn: 4_294_967_295, id: 2_147_483_647, seq: 2_147_483_647)),
        ("TERMINATE 5 6", .terminate(conn: 5, id: 6)),
        ("TERMINATED 5 6", .terminated(conn: 5, id: 6)),
    ]

    @Test(arguments: samples)
    func roundTrips(text: String, message: Message) throws {
        #expect(try Message.parse(text) == message)
        #expect(message.serialized == text)
        #expect(try Message.parse(message.serialized) == message)
        #expect(try Message.parse(text).serialized == text)
        #expect(try Message.parse(Array(text.utf8)) == message)
        #expect(message.bytes == Array(text.utf8))
    }

    @Test func everyVerbAndErrorCodeIsCovered() {
        #expect(Set(Self.samples.map(\.1.verb)) == Set(Verb.allCases))
        let codes = Self.samples.compactMap { sample -> ErrorCode? in
            if case .error(let code, _) = sample.1 { return code }
            return nil
        }
        #expect(Set(codes) == Set(ErrorCode.allCases))
    }

    @Test(arguments: ["\n", "\r\n"])
    func oneTrailingNewlineIsStripped(newline: String) throws {
        for (text, message) in Self.samples {
            #expect(try Message.parse(text + newline) == message, "\(text)")
        }
    }

    @Test func textLengthsAtTheLimits() throws {
        for length in [1, 2, 999, 1000] {
            let text = String(repeating: "a", count: length)
            let message = Message.msg(conn: 4_294_967_295, id: 2_147_483_647, seq: 2_147_483_647, text: text)
            #expect(try Message.parse(message.serialized) == message)
            #expect(try Message.parse(message.serialized + "\r\n") == message)
        }
        // 1000 bytes made of multi-byte characters (250 × 4 bytes).
        let emoji = String(repeating: "🎉", count: 250)
        #expect(emoji.utf8.count == 1000)
        #expect(try Message.parse("MSG 1 1 1 \(emoji)") == .msg(conn: 1, id: 1, seq: 1, text: emoji))
    }

    @Test func accessors() {
        let msg = Message.msg(conn: 5, id: 6, seq: 7, text: "t")
        #expect(msg.verb == .msg && msg.id == 6 && msg.conn == 5 && msg.seq == 7 && msg.port == nil)
        let peer = Message.peer(id: 3, host: "::1", port: 99)
        #expect(peer.conn == nil && peer.seq == nil && peer.port == 99 && peer.id == 3)
        #expect(Message.register(id: 1, port: 2).port == 2)
        #expect(Message.ack(conn: 1, id: 2, seq: 3).seq == 3)
        let clientServer: Set<Verb> = [.register, .registered, .lookup, .peer, .inactive, .leave, .left, .error]
        #expect(Verb.allCases.allSatisfy { $0.isClientServer == clientServer.contains($0) })
        #expect(Message.lookup(id: 4).description == "LOOKUP 4")
    }

    @Test func validateText() {
        #expect(Message.validateText("ok") == nil)
        #expect(Message.validateText(String(repeating: "x", count: 1000)) == nil)
        #expect(Message.validateText("") == .textLength(0))
        #expect(Message.validateText(String(repeating: "x", count: 1001)) == .textLength(1001))
        #expect(Message.validateText("a\nb") == .forbiddenCharacter(field: "text", byte: 0x0A))
        #expect(Message.validateText("a\rb") == .forbiddenCharacter(field: "text", byte: 0x0D))
        #expect(Message.validateText("a\u{0}b") == .forbiddenCharacter(field: "text", byte: 0))
    }
}
