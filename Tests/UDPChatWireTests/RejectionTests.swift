import Testing
import UDPChatWire

/// One malformed datagram and the exact `WireError` it must be rejected with.
struct Bad: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let error: WireError

    init(_ text: String, _ error: WireError) {
        self.bytes = Array(text.utf8)
        self.error = error
    }

    init(bytes: [UInt8], _ error: WireError) {
        self.bytes = bytes
        self.error = error
    }

    var testDescription: String {
        let shown = String(decoding: bytes.prefix(60), as: UTF8.self).debugDescription
        return "\(shown)\(bytes.count > 60 ? "… (\(bytes.count) bytes)" : "") → \(error.kind)"
    }
}

func expectRejected(_ bad: Bad, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(throws: bad.error, sourceLocation: sourceLocation) { try Message.parse(bad.bytes) }
    // The same answer through the raw-buffer entry point the runtime uses.
    let viaBuffer: Result<Message, WireError> = bad.bytes.withUnsafeBytes { raw in
        Result { () throws(WireError) -> Message in try Message.parse(raw) }
    }
    #expect(viaBuffer == .failure(bad.error), sourceLocation: sourceLocation)
}

@Suite("Codec rejections")
struct RejectionTests {
    // MARK: size, emptiness, newlines

    static let sizeAndFramingCases: [Bad] = [
        Bad("MSG 1 1 1 " + String(repeating: "a", count: 1191), .tooLong(size: 1201)),
        // 1200 bytes is not "too long" (it fails for its text length instead).
        Bad("MSG 1 1 1 " + String(repeating: "a", count: 1190), .textLength(1190)),
        // The limit is on the datagram, newline included.
        Bad("MSG 1 1 1 " + String(repeating: "a", count: 1190) + "\n", .tooLong(size: 1201)),
        Bad("MSG 1 1 1 " + String(repeating: "a", count: 1189) + "\n", .textLength(1189)),
        Bad(bytes: [UInt8](repeating: 0x41, count: 65_507), .tooLong(size: 65_507)),
        Bad("", .empty),
        Bad("\n", .empty),
        Bad("\r\n", .empty),
        Bad("\n\n", .forbiddenCharacter(field: "verb", byte: 0x0A)),
        Bad("\r", .forbiddenCharacter(field: "verb", byte: 0x0D)),
        // Only one newline is stripped.
        Bad("LOOKUP 5\n\n", .forbiddenCharacter(field: "id", byte: 0x0A)),
        Bad("LOOKUP 5\r\n\r\n", .forbiddenCharacter(field: "id", byte: 0x0D)),
        Bad("LOOKUP 5\n\r\n", .forbiddenCharacter(field: "id", byte: 0x0A)),
        Bad("LOOKUP 5\r", .forbiddenCharacter(field: "id", byte: 0x0D)),
        Bad("LOOKUP 5\r\r\n", .forbiddenCharacter(field: "id", byte: 0x0D)),
        Bad("MSG 1 2 3 hi\n\n", .forbiddenCharacter(field: "text", byte: 0x0A)),
        Bad("MSG 1 2 3 hi\r", .forbiddenCharacter(field: "text", byte: 0x0D)),
        Bad("MSG 1 2 3 hi\r\r\n", .forbiddenCharacter(field: "text", byte: 0x0D)),
        Bad("MSG 1 2 3 \n", .textLength(0)),
    ]

    @Test(arguments: sizeAndFramingCases)
    func sizeAndFraming(_ bad: Bad) { expectRejected(bad) }

    // MARK: UTF-8

    static let notUTF8Cases: [Bad] = [
        Bad(bytes: [0xFF], .notUTF8),
        Bad(bytes: Array("MSG 1 2 3 ".utf8) + [0xC3], .notUTF8),  // truncated sequence
        Bad(bytes: Array("MSG 1 2 3 ".utf8) + [0xC0, 0x80], .notUTF8),  // overlong NUL
        Bad(bytes: Array("MSG 1 2 3 ".utf8) + [0xED, 0xA0, 0x80], .notUTF8),  // UTF-16 surrogate
        Bad(bytes: Array("MSG 1 2 3 ".utf8) + [0xF4, 0x90, 0x80, 0x80], .notUTF8),  // above U+10FFFF
        Bad(bytes: Array("MSG 1 2 3 a".utf8) + [0x80] + Array("b".utf8), .notUTF8),  // stray continuation
        Bad(bytes: Array("LOOKUP".utf8) + [0xFE] + Array(" 5".utf8), .notUTF8),
        Bad(bytes: Array("MSG 1 2 3 ".utf8) + [0xC3, 0x0A], .notUTF8),
    ]

    @Test(arguments: notUTF8Cases)
    func invalidUTF8(_ bad: Bad) { expectRejected(bad) }

    // MARK: verbs

    static let verbsCases: [Bad] = [
        Bad("register 1 2", .unknownVerb("register")),
        Bad("Register 1 2", .unknownVerb("Register")),
        Bad("msg 1 2 3 hi", .unknownVerb("msg")),
        Bad("HELLO 1", .unknownVerb("HELLO")),
        Bad("REGISTERX 1 2", .unknownVerb("REGISTERX")),
        Bad("REG 1 2", .unknownVerb("REG")),
        Bad("TERMINATEDX 1 2", .unknownVerb("TERMINATEDX")),
        Bad(" REGISTER 1 2", .unknownVerb("")),
        Bad(" ", .unknownVerb("")),
        Bad("\tLOOKUP 1", .unknownVerb("\tLOOKUP")),
        Bad("LOO\u{0}KUP 5", .forbiddenCharacter(field: "verb", byte: 0)),
        Bad("ＬＯＯＫＵＰ 5", .unknownVerb("ＬＯＯＫＵＰ")),
    ]

    @Test(arguments: verbsCases)
    func unknownVerbs(_ bad: Bad) { expectRejected(bad) }

    // MARK: field counts

    /// A valid datagram for each verb, as separate fields.
    static let templates: [Verb: [String]] = [
        .register: ["REGISTER", "1", "2"], .registered: ["REGISTERED", "1", "2"],
        .lookup: ["LOOKUP", "1"], .peer: ["PEER", "1", "10.0.0.1", "2"], .inactive: ["INACTIVE", "1"],
        .leave: ["LEAVE", "1"], .left: ["LEFT", "1"], .error: ["ERROR", "NOT_OWNER", "1"],
        .connect: ["CONNECT", "1", "2"], .accept: ["ACCEPT", "1", "2"], .reject: ["REJECT", "1", "2"],
        .msg: ["MSG", "1", "2", "3", "hi"], .ack: ["ACK", "1", "2", "3"],
        .terminate: ["TERMINATE", "1", "2"], .terminated: ["TERMINATED", "1", "2"],
    ]

    static var fieldCountsCases: [Bad] {
        var cases: [Bad] = []
        for verb in Verb.allCases {
            let fields = templates[verb]!
            // Every prefix that is too short.
            for count in 1..<fields.count {
                cases.append(Bad(fields.prefix(count).joined(separator: " "), .fieldCount(verb: verb, expected: fields.count, got: count)))
            }
            // A trailing separator makes one more (empty) field.
            if verb != .msg {
                cases.append(Bad(fields.joined(separator: " ") + " ", .fieldCount(verb: verb, expected: fields.count, got: fields.count + 1)))
                cases.append(Bad((fields + ["1"]).joined(separator: " "), .fieldCount(verb: verb, expected: fields.count, got: fields.count + 1)))
                cases.append(Bad((fields + ["1", "1"]).joined(separator: " "), .fieldCount(verb: verb, expected: fields.count, got: fields.count + 2)))
            }
        }
        return cases
    }

    @Test(arguments: fieldCountsCases)
    func wrongFieldCounts(_ bad: Bad) { expectRejected(bad) }

    @Test func templatesAreValid() throws {
        for verb in Verb.allCases {
            let text = Self.templates[verb]!.joined(separator: " ")
            #expect(try Message.parse(text).verb == verb)
            #expect(Self.templates[verb]!.count == verb.fieldCount)
        }
    }

    static let doubleSpacesCases: [Bad] = [
        Bad("REGISTER  1 2", .fieldCount(verb: .register, expected: 3, got: 4)),
        Bad("REGISTER 1  2", .fieldCount(verb: .register, expected: 3, got: 4)),
        Bad("LOOKUP  1", .fieldCount(verb: .lookup, expected: 2, got: 3)),
        Bad("PEER 1  10.0.0.1 2", .fieldCount(verb: .peer, expected: 4, got: 5)),
        Bad("ERROR  NOT_OWNER 1", .fieldCount(verb: .error, expected: 3, got: 4)),
        Bad("ACK 1 2  3", .fieldCount(verb: .ack, expected: 4, got: 5)),
        Bad("TERMINATE 1  2", .fieldCount(verb: .terminate, expected: 3, got: 4)),
        // In MSG the first four separators are structural: a double one leaves an empty number.
        Bad("MSG  1 2 3 hi", .notANumber(field: "conn", text: "")),
        Bad("MSG 1  2 3 hi", .notANumber(field: "id", text: "")),
        Bad("MSG 1 2  3 hi", .notANumber(field: "seq", text: "")),
        Bad("MSG 1 2 3", .fieldCount(verb: .msg, expected: 5, got: 4)),
        Bad("MSG 1 2 3 ", .textLength(0)),
    ]

    @Test(arguments: doubleSpacesCases)
    func doubleSpaces(_ bad: Bad) { expectRejected(bad) }

    // MARK: numbers

    struct NumberField: Sendable {
        let name: String
        let template: String  // "#" is replaced by the number
        let max: UInt64
    }

    static let numberFieldsCases: [NumberField] = [
        NumberField(name: "id", template: "LOOKUP #", max: 2_147_483_647),
        NumberField(name: "id", template: "REGISTER # 7070", max: 2_147_483_647),
        NumberField(name: "id", template: "ERROR ID_IN_USE #", max: 2_147_483_647),
        NumberField(name: "id", template: "MSG 1 # 1 hi", max: 2_147_483_647),
        NumberField(name: "id", template: "PEER # 10.0.0.1 1", max: 2_147_483_647),
        NumberField(name: "port", template: "REGISTER 1 #", max: 65535),
        NumberField(name: "port", template: "REGISTERED 1 #", max: 65535),
        NumberField(name: "port", template: "PEER 1 10.0.0.1 #", max: 65535),
        NumberField(name: "conn", template: "CONNECT # 1", max: 4_294_967_295),
        NumberField(name: "conn", template: "MSG # 1 1 hi", max: 4_294_967_295),
        NumberField(name: "conn", template: "TERMINATED # 1", max: 4_294_967_295),
        NumberField(name: "seq", template: "ACK 1 1 #", max: 2_147_483_647),
        NumberField(name: "seq", template: "MSG 1 1 # hi", max: 2_147_483_647),
    ]

    @Test(arguments: numberFieldsCases)
    func numbers(_ field: NumberField) throws {
        func text(_ number: String) -> String {
            field.template.split(separator: "#", omittingEmptySubsequences: false).joined(separator: number)
        }
        // Valid: 1, 9, 10, max.
        for good in ["1", "9", "10", "\(field.max)"] {
            let message = try Message.parse(text(good))
            #expect(message.serialized == text(good))
        }
        let notANumber = ["01", "00", "007", "+1", "-1", "1a", "a1", "0x1", "1.0", "1e3", "١", "\(field.max)a", "0\(field.max)"]
        for bad in notANumber {
            expectRejected(Bad(text(bad), .notANumber(field: field.name, text: bad)))
        }
        let outOfRange = ["0", "\(field.max + 1)", "\(UInt64(UInt32.max) + 1)", "99999999999999999999999999999"]
        for bad in outOfRange {
            expectRejected(Bad(text(bad), .numberOutOfRange(field: field.name, text: bad)))
        }
        expectRejected(Bad(text("1\u{0}"), .forbiddenCharacter(field: field.name, byte: 0)))
        expectRejected(Bad(text("1\r2"), .forbiddenCharacter(field: field.name, byte: 0x0D)))
    }

    // MARK: text

    static let textsCases: [Bad] = [
        Bad("MSG 1 2 3 " + String(repeating: "b", count: 1001), .textLength(1001)),
        Bad("MSG 1 2 3 " + String(repeating: "é", count: 501), .textLength(1002)),
        Bad("MSG 1 2 3 a\u{0}b", .forbiddenCharacter(field: "text", byte: 0)),
        Bad("MSG 1 2 3 \u{0}", .forbiddenCharacter(field: "text", byte: 0)),
        Bad("MSG 1 2 3 a\rb", .forbiddenCharacter(field: "text", byte: 0x0D)),
        Bad("MSG 1 2 3 a\nb", .forbiddenCharacter(field: "text", byte: 0x0A)),
        Bad("MSG 1 2 3 line one\nline two\n", .forbiddenCharacter(field: "text", byte: 0x0A)),
    ]

    @Test(arguments: textsCases)
    func badTexts(_ bad: Bad) { expectRejected(bad) }

    // MARK: hosts

    static let badHostsCases = [
        "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1.2.3.-4", "+1.2.3.4", "1..3.4",
        "a.b.c.d", "localhost", "example.com", "1.2.3.4:80", "::g", "1:2:3:4:5:6:7:8:9", "[::1]", "fe80::1%eth0",
        "::1::2", ":::", "1.2.3.", ".1.2.3", "１.2.3.4", "1234.1.1.1", "12345::", "::ffff:1.2.3.256",
    ]

    @Test(arguments: badHostsCases)
    func badHost(_ host: String) {
        expectRejected(Bad("PEER 1 \(host) 80", .badHost(host)))
    }

    @Test(arguments: ["0.0.0.0", "127.0.0.1", "10.20.30.40", "::", "::1", "1::", "2001:db8:0:0:0:0:2:1", "FE80::ABCD", "::ffff:192.168.0.1"])
    func goodHost(_ host: String) throws {
        #expect(try Message.parse("PEER 1 \(host) 80") == .peer(id: 1, host: host, port: 80))
        #expect(IPLiteral.isValid(host))
    }

    // MARK: error codes

    static let errorCodesCases: [Bad] = [
        Bad("ERROR id_in_use 5", .unknownErrorCode("id_in_use")),
        Bad("ERROR UNKNOWN 5", .unknownErrorCode("UNKNOWN")),
        Bad("ERROR ID_IN_USE_ 5", .unknownErrorCode("ID_IN_USE_")),
        Bad("ERROR 5 ID_IN_USE", .unknownErrorCode("5")),
        Bad("ERROR ID_IN_USE\u{0} 5", .forbiddenCharacter(field: "code", byte: 0)),
        Bad("ERROR ID_IN_USE 0", .numberOutOfRange(field: "id", text: "0")),
        Bad("ERROR NOT_REGISTERED 2147483648", .numberOutOfRange(field: "id", text: "2147483648")),
    ]

    @Test(arguments: errorCodesCases)
    func badErrorCodes(_ bad: Bad) { expectRejected(bad) }

    @Test func everyKindHasAStableNameAndALine() {
        let errors: [WireError] = [
            .tooLong(size: 1201), .empty, .notUTF8, .unknownVerb("X"), .fieldCount(verb: .msg, expected: 5, got: 4),
            .notANumber(field: "id", text: "x"), .numberOutOfRange(field: "id", text: "0"),
            .forbiddenCharacter(field: "text", byte: 0), .textLength(0), .badHost("h"), .unknownErrorCode("C"),
        ]
        #expect(Set(errors.map(\.kind)).count == errors.count)
        #expect(errors.allSatisfy { !$0.description.isEmpty && !$0.description.contains("\n") })
    }
}
