import Testing
import UDPChatDialect
import UDPChatWire

@Suite struct DialectFileTests {
    @Test func defaultDialectIsTheContractAndShowsItsFile() throws {
        let dialect = Dialect.default
        #expect(dialect.isDefault)
        #expect(dialect.name == "default")
        #expect(dialect.verbs == Verb.allCases)
        #expect(dialect.source.contains("MSG:        \"MSG {conn} {id} {seq} {text}\""))
        // The printed file loads back to the same fast path.
        let reloaded = try Dialect.parse(yaml: dialect.source, file: "copy.yaml")
        #expect(reloaded.isDefault)
    }

    @Test func theContractsColonExampleLoadsAsWritten() throws {
        let colon = try Dialect.load(Samples.dialect("colon"))
        #expect(colon.name == "colon-chat")
        #expect(colon.format == .text && colon.terminator == .none && colon.peerSource == .any)
        #expect(!colon.isDefault)
        #expect(colon.templates[.error] == nil)
        #expect(colon.verbs.count == 14)
    }

    @Test func theJSONFixtureLoadsWithItsExtraKeys() throws {
        let json = try Dialect.load(Samples.dialect("json"))
        #expect(json.format == .json && json.terminator == .lf && json.caseInsensitive)
        #expect(json.word(for: .idInUse) == "id_taken")
        #expect(json.templates[.msg]?.text == #"{"type": "chat", "conn": "{conn}", "from": "{id}", "seq": "{seq}", "text": "{text}"}"#)
    }

    @Test(arguments: [
        ("messages:\n  MSG: \"CHAT:{id}:{text}\"\n", 2, "MSG template lacks {seq}"),
        ("messages:\n  LOOKUP: \"Q:{id}:{seq}\"\n", 2, "LOOKUP has no {seq}"),
        ("messages:\n  MSG: \"CHAT:{id}:{text}:{seq}\"\n", 2, "{text} must come last"),
        ("messages:\n  ACK: \"ACK:{id}{seq}\"\n", 2, "need a literal between them"),
        ("messages:\n  ACK: \"ACK:{id}:{sequence}\"\n", 2, "unknown placeholder {sequence}"),
        ("messages:\n  HELLO: \"HI:{id}\"\n", 2, "unknown verb 'HELLO'"),
        ("format: xml\nmessages:\n  LEAVE: \"L:{id}\"\n", 1, "format must be one of text, json"),
        ("colour: red\nmessages:\n  LEAVE: \"L:{id}\"\n", 1, "unknown key 'colour'"),
        ("dialect: x\n", 1, "missing key 'messages'"),
        ("messages:\n  LEAVE: \"L:{id}\"\nerror-codes:\n  NOPE: x\n", 4, "unknown error code 'NOPE'"),
        ("messages:\n  LEAVE: [1, 2\n", 3, "YAML:"),
        ("format: json\nmessages:\n  LEAVE: {\"id\": \"{id}\"}\n", 3, "needs a constant key"),
        ("max-datagram: 0\nmessages:\n  LEAVE: \"L:{id}\"\n", 1, "max-datagram must be"),
    ])
    func badFilesAreRejectedWithFileAndLine(text: String, line: Int, message: String) {
        do {
            _ = try Dialect.parse(yaml: text, file: "bad.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            let first = error.issues.first
            #expect(first?.file == "bad.yaml")
            #expect(first?.line == line, "\(error)")
            #expect(first?.message.contains(message) == true, "\(error)")
            #expect(error.description.hasPrefix("bad.yaml:\(line): "))
        }
    }

    @Test func aMissingFileIsAFileError() {
        #expect(throws: (any Error).self) { try Dialect.load("/nonexistent/x.yaml") }
    }
}

@Suite struct ManifestDialectTests {
    @Test func aManifestsDialectIsRelativeToItsFolder() throws {
        let folder = Samples.root.appendingPathComponent("Fixtures/dialects/iut").path
        #expect(try Dialect.load("../colon.dialect.yaml", relativeTo: folder).name == "colon-chat")
        #expect(try Dialect.load("default", relativeTo: folder).isDefault)
        #expect(try Dialect.load(Samples.dialect("json"), relativeTo: "/nonexistent").name == "json-chat")
    }
}
