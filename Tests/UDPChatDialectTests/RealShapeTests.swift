import Testing
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// The shapes of real submissions (issue 16, docs/DIALECTS.md "Answers, ids and receivers"):
/// answers without an id, server-assigned ids, templates that start with a field, echoed tags,
/// an alternating bit, the receiver named, several forms of one message.
@Suite struct RealShapeTests {
    static let assigned = try! Dialect.load(Samples.dialect("assigned"))
    static let tagged = try! Dialect.load(Samples.dialect("tagged"))

    static func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test func answersWithoutAnIdTakeItFromTheRequestTheyAnswer() throws {
        let dialect = Self.assigned
        let leave = DialectContext(requests: [DialectRequest(.leave(id: 12))])
        #expect(try dialect.parse("Client Left", context: leave) == .left(id: 12))
        #expect(try dialect.read(Array("Client Left\n".utf8), context: leave).fromContext == [.id])
        let lookup = DialectContext(requests: [DialectRequest(.lookup(id: 34))])
        #expect(try dialect.parse("Client Inactive", context: lookup) == .inactive(id: 34))
        #expect(try dialect.parse("Error ID_IN_USE", context: DialectContext(requests: [DialectRequest(.register(id: 7, port: 5))]))
                == .error(code: .idInUse, id: 7))
        // A peer's answer is from the peer the request went to.
        let connect = DialectContext(localID: 1, conn: 9, requests: [DialectRequest(.connect(conn: 9, id: 1), peer: 2)])
        #expect(try dialect.parse("Connection Accepted", context: connect) == .accept(conn: 9, id: 2))
        let terminate = DialectContext(localID: 1, conn: 9, requests: [DialectRequest(.terminate(conn: 9, id: 1), peer: 2)])
        #expect(try dialect.parse("success", context: terminate) == .terminated(conn: 9, id: 2))
        // Without a request the id is unknown (0); with requests of other kinds it answers none of them.
        #expect(try dialect.parse("Client Left") == .left(id: 0))
        #expect(throws: WireError.self) { try dialect.parse("Client Left", context: lookup) }
        // Answers are written without the id.
        #expect(Self.text(dialect.serialize(.left(id: 12))) == "Client Left\n")
    }

    @Test func theRequestLogMatchesAnAnswerToTheLatestRequestOfItsSocket() throws {
        let dialect = Self.tagged
        let alice = Endpoint(host: "127.0.0.1", port: 5001), bob = Endpoint(host: "127.0.0.1", port: 5002)
        let server = Endpoint(host: "127.0.0.1", port: 7070)
        var log = DialectRequestLog()
        log.sent(DialectRequest(.register(id: 5, port: 5001), tag: "0"), from: alice, to: server)
        log.sent(DialectRequest(.register(id: 6, port: 5001), tag: "0"), from: alice, to: server)  // the later one replaces it
        log.sent(DialectRequest(.leave(id: 8), tag: "0"), from: bob, to: server)
        log.sent(DialectRequest(.registered(id: 1, port: 0)), from: bob, to: server)  // answers are not requests
        #expect(log.requests(at: alice, from: server).map(\.message) == [.register(id: 6, port: 5001)])
        // The same bytes are REGISTERED at alice's socket and LEFT at bob's: the request decides.
        #expect(try dialect.parse("ACK 0 OK", context: log.context(at: alice, from: server)) == .registered(id: 6, port: 0))
        #expect(try dialect.parse("ACK 0 OK", context: log.context(at: bob, from: server)) == .left(id: 8))
        #expect(try dialect.read(Array("ACK 0 OK".utf8), context: log.context(at: bob, from: server)).answers?.message == .leave(id: 8))
        // Nothing was sent from alice to bob: no request to match.
        #expect(try dialect.parse("ACK 0 OK", context: log.context(at: alice, from: bob)) == .registered(id: 0, port: 0))
        var small = DialectRequestLog(limit: 1)
        small.sent(DialectRequest(.leave(id: 8)), from: alice, to: server)
        small.sent(DialectRequest(.leave(id: 9)), from: bob, to: server)
        #expect(small.requests(at: alice, from: server).isEmpty)
        #expect(small.requests(at: bob, from: server).count == 1)
    }

    @Test func serverAssignedIdsRegisterWithoutAnIdAndLearnItFromTheAnswer() throws {
        let dialect = Self.assigned
        #expect(dialect.ids == .serverAssigned && !dialect.isDefault)
        #expect(Self.text(dialect.serialize(.register(id: 99, port: 40942))) == "Port 40942\n")
        // The server reads REGISTER with the id it assigns to the source.
        #expect(try dialect.parse("Port 40942", context: DialectContext(senderID: 3)) == .register(id: 3, port: 40942))
        #expect(try dialect.parse("Port 40942") == .register(id: 0, port: 40942))
        #expect(try dialect.parse("Quit", context: DialectContext(senderID: 3)) == .leave(id: 3))
        // The assigned id, as a name with a prefix or a bare number (two forms), written with the prefix.
        #expect(try dialect.parse("Client_4") == .registered(id: 4, port: 0))
        #expect(try dialect.parse("1\n") == .registered(id: 1, port: 0))
        #expect(Self.text(dialect.serialize(.registered(id: 4, port: 0))) == "Client_4\n")
    }

    @Test(arguments: [
        ("ids: server-assigned\nmessages:\n  REGISTER: \"Port {port}\"\n  REGISTERED: [\"OK {id}\", \"OK\"]\n", 4, "REGISTERED template lacks {id} (ids: server-assigned"),
        ("messages:\n  REGISTER: \"Port {port}\"\n", 2, "REGISTER template lacks {id}"),
        ("messages:\n  LEAVE: \"Quit\"\n", 2, "LEAVE template lacks {id}"),
        ("ids: maybe\nmessages:\n  LEAVE: \"L:{id}\"\n", 1, "ids must be one of client-chosen, server-assigned"),
        ("messages:\n  LOOKUP: \"Q\"\n", 2, "LOOKUP template lacks {id}"),
        ("messages:\n  PEER: \"{host}\"\n", 2, "without a literal must be one number"),
        ("messages:\n  MSG: \"M {seq} {bit} {text}\"\n", 2, "both {seq} and {bit}"),
        ("messages:\n  LOOKUP: \"TO {to} Q {id}\"\n", 2, "LOOKUP has no {to}"),
        ("messages:\n  REGISTER: \"R {bit} {id}\"\n", 2, "REGISTER has no {bit}"),
        ("messages:\n  ACK: \"ACK\"\n", 2, "ACK template lacks {seq} (or {bit})"),
        ("messages:\n  LEFT:\n    - \"BYE\"\n    - \"BYE {id}\"\n", 4, "a later form carries {id}, which the first form (the one written) lacks"),
        ("messages:\n  MSG: [\"M {bit} {text}\", \"M {seq} {text}\"]\n", 2, "a later form carries {seq}"),
        ("messages:\n  LEFT: []\n", 2, "a list of forms needs at least one"),
    ])
    func newKeysAreCheckedWithFileAndLine(text: String, line: Int, message: String) {
        do {
            _ = try Dialect.parse(yaml: text, file: "new.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.issues.first?.line == line, "\(error)")
            #expect(error.description.contains("new.yaml:\(line): ") && error.description.contains(message), "\(error)")
        }
    }

    @Test func templatesMayStartWithAFieldAndAreTriedAfterTheLiteralOnes() throws {
        let dialect = Self.assigned
        let context = DialectContext(conn: 5)
        #expect(try dialect.parse("3 1 hello there", context: context) == .msg(conn: 5, id: 3, seq: 1, text: "hello there"))
        #expect(try dialect.parse("ACK 7", context: DialectContext(conn: 5, connPeer: 3)) == .ack(conn: 5, id: 3, seq: 7))
        #expect(try dialect.parse("12") == .registered(id: 12, port: 0))
        #expect(throws: WireError.self) { try dialect.parse("3 1") }
        #expect(throws: WireError.self) { try dialect.parse("x 1 hi") }
        #expect(Self.text(dialect.serialize(.msg(conn: 5, id: 3, seq: 2, text: "hi"))) == "3 2 hi\n")
        #expect(dialect.looksLikeMessage(Array("3 1 hi".utf8)) && !dialect.looksLikeMessage(Array("hello".utf8)))
    }

    @Test func aTagIsRepeatedByTheAnswerAndChecked() throws {
        let dialect = Self.tagged
        #expect(Self.text(dialect.serialize(.register(id: 5, port: 40001))) == "PKT 0 REG 5 40001")
        let request = try dialect.read(Array("PKT 7 REG 5 40001".utf8))
        #expect(request.message == .register(id: 5, port: 40001) && request.tag == "7")
        // The server answers it: the tag is repeated.
        let answering = DialectContext(requests: [DialectRequest(request)])
        #expect(Self.text(dialect.serialize(.registered(id: 5, port: 0), context: answering)) == "ACK 7 OK")
        // The client reads the answer against what it sent.
        #expect(try dialect.read(Array("ACK 7 OK".utf8), context: answering).message == .registered(id: 5, port: 0))
        #expect(throws: WireError.self) { try dialect.parse("ACK 8 OK", context: answering) }
        // A reading written back keeps its tag.
        #expect(Self.text(dialect.serialize(request)) == "PKT 7 REG 5 40001")
        #expect(throws: WireError.self) { try dialect.parse("PKT " + String(repeating: "t", count: 65) + " REG 5 1") }
        #expect(throws: WireError.self) { try dialect.parse("PKT \u{7F} REG 5 1") }
    }

    @Test func theAlternatingBitStandsForTheSequenceNumberNearTheExpectedOne() throws {
        #expect([1, 2, 3, 4].map { Dialect.bit(of: $0) } == [0, 1, 0, 1])
        #expect(Dialect.seq(bit: 0, near: 5) == 5 && Dialect.seq(bit: 1, near: 5) == 4)
        #expect(Dialect.seq(bit: 1, near: 1) == 2 && Dialect.seq(bit: 0, near: nil) == 1 && Dialect.seq(bit: 1, near: nil) == 2)
        let dialect = Self.tagged
        // The receiver expects 4 (bit 1): bit 1 is message 4, bit 0 is 3 again (a re-send).
        #expect(try dialect.parse("TO 2 MSG 1 hi", context: DialectContext(conn: 1, connPeer: 1, expectedSeq: 4)).seq == 4)
        #expect(try dialect.parse("TO 2 MSG 0 hi", context: DialectContext(conn: 1, connPeer: 1, expectedSeq: 4)).seq == 3)
        // The sender reads an ACK against the MSG it sent.
        let sent = DialectContext(conn: 1, requests: [DialectRequest(.msg(conn: 1, id: 1, seq: 3, text: "hi"), peer: 2)])
        #expect(try dialect.parse("TO 1 ACK 0", context: sent) == .ack(conn: 1, id: 2, seq: 3))
        #expect(try dialect.parse("TO 1 ACK 1", context: sent) == .ack(conn: 1, id: 2, seq: 2))
        #expect(Self.text(dialect.serialize(.msg(conn: 1, id: 1, seq: 4, text: "hi"), context: DialectContext(connPeer: 2))) == "TO 2 MSG 1 hi")
        let bare = try Dialect.parse(yaml: "messages:\n  MSG: \"M {bit} {text}\"\n")
        #expect(throws: WireError.numberOutOfRange(field: "bit", text: "2")) { try bare.parse("M 2 hi") }
        #expect(throws: WireError.notANumber(field: "bit", text: "01")) { try bare.parse("M 01 hi") }
        #expect(throws: WireError.self) { try dialect.parse("TO 2 MSG 2 hi") }
    }

    @Test func theReceiverIsReadAndWritten() throws {
        let dialect = Self.tagged
        let reading = try dialect.read(Array("TO 2 MSG 0 hi".utf8), context: DialectContext(conn: 1, connPeer: 1))
        #expect(reading.to == 2 && reading.message == .msg(conn: 1, id: 1, seq: 1, text: "hi"))
        // An answer goes to the request's sender; a request to the connection's peer.
        let answering = DialectContext(connPeer: 1, requests: [DialectRequest(.msg(conn: 1, id: 1, seq: 1, text: "hi"))])
        #expect(Self.text(dialect.serialize(.ack(conn: 1, id: 2, seq: 1), context: answering)) == "TO 1 ACK 0")
        #expect(Self.text(dialect.serialize(.connect(conn: 1, id: 1), context: DialectContext(connPeer: 2))) == "TO 2 CONNECT 1")
        #expect(Self.text(dialect.serialize(reading)) == "TO 2 MSG 0 hi")
    }

    @Test func severalFormsAreAllReadAndTheFirstWritableOneIsWritten() throws {
        let dialect = try Dialect.parse(yaml: "messages:\n  REGISTERED: [\"OK {id} {port}\", \"OK {id}\"]\n  LEAVE: [\"BYE {id}\", \"QUIT {id}\"]\n")
        #expect(dialect.forms[.leave]?.count == 2 && dialect.templates[.leave]?.text == "BYE {id}")
        #expect(try dialect.parse("QUIT 3") == .leave(id: 3))
        #expect(Self.text(dialect.serialize(.leave(id: 3))) == "BYE 3")
        #expect(Self.text(dialect.serialize(.registered(id: 3, port: 9))) == "OK 3 9")
        #expect(Self.text(dialect.serialize(.registered(id: 3, port: 0))) == "OK 3")  // no port to echo: the form without it
        let json = try Dialect.parse(yaml: """
            format: json
            messages:
              LEAVE: [{"type": "leave", "id": "{id}"}, '{"type": "quit", "id": "{id}"}']
            """)
        #expect(try json.parse(#"{"type": "quit", "id": 3}"#) == .leave(id: 3))
        #expect(Self.text(json.serialize(.leave(id: 3))) == #"{"type": "leave", "id": 3}"#)
        // The contract's templates with one more form are not the contract: the engine reads them.
        let widened = Dialect.defaultSource.replacingOccurrences(of: "LEAVE:      \"LEAVE {id}\"", with: "LEAVE: [\"LEAVE {id}\", \"QUIT {id}\"]")
        let engine = try Dialect.parse(yaml: widened)
        #expect(!engine.isDefault && Dialect.default.isDefault)
        #expect(try engine.parse("QUIT 4") == .leave(id: 4) && engine.serialize(.leave(id: 4)) == Message.leave(id: 4).bytes)
    }

    /// DIALECTS.md "What a dialect cannot describe": `PIN:127.0.0.1_5000` and a bare `PIN:`
    /// answering `REQ:<id>` are now described, each read with the LOOKUP it answers.
    @Test func answersThatOnlyShareALiteralAreToldApartByTheirFields() throws {
        let dialect = try Dialect.parse(yaml: "messages:\n  LOOKUP: \"REQ:{id}\"\n  PEER: \"PIN:{host}_{port}\"\n  INACTIVE: \"PIN:\"\n")
        let asked = DialectContext(requests: [DialectRequest(.lookup(id: 7))])
        #expect(try dialect.parse("PIN:127.0.0.1_5000", context: asked) == .peer(id: 7, host: "127.0.0.1", port: 5000))
        #expect(try dialect.parse("PIN:", context: asked) == .inactive(id: 7))
        #expect(dialect.examples().allSatisfy { $0.problem == nil })
    }

    @Test(arguments: ["assigned", "tagged"])
    func checkRoundTripsEveryFormWithItsRequest(name: String) throws {
        let dialect = try Dialect.load(Samples.dialect(name))
        let examples = dialect.examples()
        #expect(examples.count == dialect.forms.values.map(\.count).reduce(0, +))
        for example in examples { #expect(example.problem == nil, "\(example.message.verb) \(example.text): \(example.problem ?? "")") }
        for verb in dialect.verbs where !dialect.templates[verb]!.fields.contains(.id) {
            #expect(examples.contains { $0.message.verb == verb && $0.note?.contains("{id}") == true }, "\(verb)")
        }
    }
}
