import Testing
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

@Suite struct DialectCodecTests {
    static let colon = try! Dialect.load(Samples.dialect("colon"))
    static let json = try! Dialect.load(Samples.dialect("json"))

    @Test func colonRoundTripsEveryMessageItHas() throws {
        let colon = Self.colon
        // Absent fields come from the context: the live conn, the server's host, no REGISTERED port.
        let context = DialectContext(localID: 99, conn: 305_419_896, source: Endpoint(host: "192.0.2.7", port: 7070))
        for message in Samples.messages(registeredPort: 0) where colon.templates[message.verb] != nil {
            let bytes = try #require(colon.serialize(message, context: context))
            #expect(try colon.parse(bytes, context: context) == message, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(colon.serialize(.error(code: .idInUse, id: 1)) == nil)
    }

    @Test func colonWritesTheHandoutsBytes() throws {
        let colon = Self.colon
        let context = DialectContext(localID: 12)
        func text(_ message: Message) -> String { String(decoding: colon.serialize(message, context: context)!, as: UTF8.self) }
        #expect(text(.register(id: 12, port: 5000)) == "REGISTER:12:5000")
        #expect(text(.lookup(id: 34)) == "QUERY:12:34")
        #expect(text(.msg(conn: 9, id: 12, seq: 3, text: "a:b")) == "CHAT:12:3:a:b")
        #expect(text(.terminated(conn: 9, id: 12)) == "ACK_TERMINATE:12")
        #expect(text(.ack(conn: 9, id: 12, seq: 3)) == "ACK:12:3")
    }

    @Test func aConnectionWithoutConnIsNamedByItsTwoPeers() throws {
        let colon = Self.colon
        let seenByA = try colon.parse("CONNECTION_REQUEST:20", context: DialectContext(localID: 10))
        let seenByB = try colon.parse("CONNECTION_ACCEPT:10", context: DialectContext(localID: 20))
        #expect(seenByA.conn == seenByB.conn)
        #expect(seenByA.conn == Dialect.pairToken(10, 20))
        #expect(Dialect.pairToken(10, 20) != Dialect.pairToken(10, 21))
        #expect(try colon.parse("CHAT:20:1:x", context: DialectContext(localID: 10, conn: 77)).conn == 77)
    }

    @Test func absentHostAndPortComeFromTheSource() throws {
        let colon = Self.colon
        let server = Endpoint(host: "10.1.2.3", port: 7070)
        #expect(try colon.parse("PORT:5:4000", context: DialectContext(source: server)) == .peer(id: 5, host: "10.1.2.3", port: 4000))
        #expect(try colon.parse("REGISTERED:5") == .registered(id: 5, port: 0))
    }

    @Test func receiversAcceptEveryTerminator() throws {
        for suffix in ["", "\n", "\r\n"] {
            #expect(try Self.colon.parse("LEAVE:5" + suffix) == .leave(id: 5))
            #expect(try Self.json.parse(#"{"type": "leave", "id": 5}"# + suffix) == .leave(id: 5))
        }
        #expect(Self.json.serialize(.leave(id: 5)).map { String(decoding: $0, as: UTF8.self) } == "{\"type\": \"leave\", \"id\": 5}\n")
    }

    @Test func jsonRoundTripsEveryMessage() throws {
        let json = Self.json
        for message in Samples.messages() {
            let bytes = try #require(json.serialize(message))
            #expect(try json.parse(bytes) == message, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test func jsonReadsKeysInAnyOrderIgnoresUnknownOnesAndIgnoresCaseOfConstants() throws {
        let json = Self.json
        #expect(try json.parse(#"{"text": "hi", "seq": 7, "extra": [1, {"a": null}], "from": 3, "type": "CHAT", "conn": 9}"#)
                == .msg(conn: 9, id: 3, seq: 7, text: "hi"))
        #expect(try json.parse(#"{"type":"error","code":"id_taken","id":4}"#) == .error(code: .idInUse, id: 4))
        #expect(try json.parse(#" { "type" : "chat", "conn": 1, "from": 3, "seq": 7, "text": "\u00e9\ud83d\ude00\/" } "#)
                == .msg(conn: 1, id: 3, seq: 7, text: "é😀/"))
    }

    @Test(arguments: [
        ("", WireError.empty),
        ("HELLO:5", .unknownVerb("HELLO")),
        ("LEAVE:0", .numberOutOfRange(field: "id", text: "0")),
        ("LEAVE:2147483648", .numberOutOfRange(field: "id", text: "2147483648")),
        ("LEAVE:99999999999", .numberOutOfRange(field: "id", text: "99999999999")),
        ("LEAVE:05", .notANumber(field: "id", text: "05")),
        ("LEAVE:+5", .notANumber(field: "id", text: "+5")),
        ("LEAVE:", .notANumber(field: "id", text: "")),
        ("REGISTER:5:65536", .numberOutOfRange(field: "port", text: "65536")),
        ("REGISTER:5", .templateMismatch(verb: .register, detail: "no ':' after {id}")),
        ("ACK_TERMINATE:5:6", .notANumber(field: "id", text: "5:6")),
        ("CHAT:5:1:", .textLength(0)),
        ("CHAT:5:0:x", .numberOutOfRange(field: "seq", text: "0")),
        ("CHAT:5:1:a\u{0}b", .forbiddenCharacter(field: "datagram", byte: 0)),
        ("LEAVE:5\n\n", .forbiddenCharacter(field: "datagram", byte: 0x0A)),
        ("leave:5", .unknownVerb("leave")),
    ])
    func colonRejectsMalformedVariantsWithTypedErrors(text: String, expected: WireError) {
        #expect(throws: expected) { try Self.colon.parse(text) }
    }

    @Test func colonRejectsTooLongAndNonUTF8() {
        #expect(throws: WireError.tooLong(size: 1201)) { try Self.colon.parse("CHAT:5:1:" + String(repeating: "x", count: 1192)) }
        #expect(throws: WireError.notUTF8) { try Self.colon.parse([0x4C, 0x45, 0xFF]) }
        let roomy = try! Dialect.parse(yaml: "max-datagram: 2000\nmessages:\n  MSG: \"CHAT:{id}:{seq}:{text}\"\n")
        #expect(throws: WireError.textLength(1001)) { try roomy.parse("CHAT:5:1:" + String(repeating: "x", count: 1001)) }
    }

    @Test(arguments: [
        (#"{"type": "leave"}"#, WireError.templateMismatch(verb: .leave, detail: "no key \"id\"")),
        (#"{"type": "leave", "id": "5"}"#, .notANumber(field: "id", text: "\"5\"")),
        (#"{"type": "leave", "id": 5.0}"#, .notANumber(field: "id", text: "5.0")),
        (#"{"type": "leave", "id": -5}"#, .notANumber(field: "id", text: "-5")),
        (#"{"type": "leave", "id": 0}"#, .numberOutOfRange(field: "id", text: "0")),
        (#"{"type": "register", "id": 5, "port": 70000}"#, .numberOutOfRange(field: "port", text: "70000")),
        (#"{"type": "chat", "conn": 1, "from": 3, "seq": 7, "text": 5}"#, .templateMismatch(verb: .msg, detail: "\"text\" is not a string")),
        (#"{"type": "chat", "conn": 1, "from": 3, "seq": 7, "text": "a\r"}"#, .forbiddenCharacter(field: "text", byte: 0x0D)),
        (#"{"type": "chat", "conn": 1, "from": 3, "seq": 7, "text": ""}"#, .textLength(0)),
        (#"{"type": "peer", "id": 3, "host": "300.1.1.1", "port": 5}"#, .badHost("300.1.1.1")),
        (#"{"type": "error", "code": "ID_IN_USE", "id": 4}"#, .unknownErrorCode("ID_IN_USE")),
        (#"{"type": "hello", "id": 4}"#, .unknownVerb("type=\"hello\"")),
        (#"{"type": "leave", "id": 5, "id": 6}"#, .notJSON("")),
        (#"{"type": "leave", "id": 5"#, .notJSON("")),
        (#"[1]"#, .notJSON("")),
    ])
    func jsonRejectsMalformedVariantsWithTypedErrors(text: String, expected: WireError) {
        do {
            let message = try Self.json.parse(text)
            Issue.record("accepted \(text) as \(message)")
        } catch {
            if case .notJSON = expected { #expect(error.kind == "not-json", "\(error)") } else { #expect(error == expected) }
        }
    }

    @Test func ipv6HostsWorkEvenWhenTheSeparatorIsAColon() throws {
        let dialect = try Dialect.parse(yaml: "messages:\n  PEER: \"PORT:{id}:{host}:{port}\"\n")
        let message = Message.peer(id: 3, host: "2001:db8::1", port: 4000)
        let bytes = try #require(dialect.serialize(message))
        #expect(String(decoding: bytes, as: UTF8.self) == "PORT:3:2001:db8::1:4000")
        #expect(try dialect.parse(bytes) == message)
        #expect(throws: WireError.badHost("1.2.3")) { try dialect.parse("PORT:3:1.2.3:4000") }
    }

    @Test func caseInsensitiveVerbsAndCodeWords() throws {
        let dialect = try Dialect.parse(yaml: """
            case-insensitive: true
            error-codes: {NOT_OWNER: NotYours}
            messages:
              LEAVE: "Leave {id}"
              ERROR: "Error {code} {id}"
            """)
        #expect(try dialect.parse("LEAVE 5") == .leave(id: 5))
        #expect(try dialect.parse("error notyours 5") == .error(code: .notOwner, id: 5))
        #expect(String(decoding: dialect.serialize(.error(code: .notOwner, id: 5))!, as: UTF8.self) == "Error NotYours 5")
    }

    @Test func theEngineReadsTheDefaultTemplatesLikeTheCodec() throws {
        let engine = Dialect.default.forcingEngine
        #expect(!engine.isDefault)
        for message in Samples.messages() {
            #expect(try engine.parse(message.bytes) == message)
            #expect(engine.serialize(message) == message.bytes)
        }
        for bad in ["MSG 1 2 3", "LOOKUP 5 6", "REGISTER 01 5", "PEER 1 1.2.3.4.5 6", "ERROR BAD 1", "msg 1 2 3 x", "LEFT  5"] {
            #expect(throws: WireError.self) { try Message.parse(bad) }
            #expect(throws: WireError.self) { try engine.parse(bad) }
        }
    }
}
