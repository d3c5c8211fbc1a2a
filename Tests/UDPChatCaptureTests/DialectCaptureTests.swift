import Foundation
import Testing
@testable import UDPChatCapture
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// Decode and the generated dissector over captures of dialect traffic (docs/DIALECTS.md).
@Suite struct DialectCaptureTests {
    static func dialect(_ name: String) throws -> Dialect { try Dialect.load(repositoryRoot + "/Fixtures/dialects/\(name).dialect.yaml") }

    /// A colon-dialect chat: alice (id 1) sends CHAT from a second socket, as real ones do; one
    /// CHAT is re-sent, one ACK duplicated by the network; one datagram is malformed; the
    /// server is on a port that is not 7070.
    static let colonServer = Endpoint(host: "127.0.0.1", port: 9999)
    static let aliceChat = Endpoint(host: "127.0.0.1", port: 50011)
    static let colon: [Packet] = [
        Packet(time: 100.000, from: alice, to: colonServer, text: "REGISTER:1:50001"),
        Packet(time: 100.001, from: colonServer, to: alice, text: "REGISTERED:1"),
        Packet(time: 100.010, from: bob, to: colonServer, text: "REGISTER:2:50002"),
        Packet(time: 100.011, from: colonServer, to: bob, text: "REGISTERED:2"),
        Packet(time: 100.050, from: alice, to: colonServer, text: "QUERY:1:2"),
        Packet(time: 100.051, from: colonServer, to: alice, text: "PORT:2:50002"),
        Packet(time: 100.100, from: alice, to: bob, text: "CONNECTION_REQUEST:1"),
        Packet(time: 100.101, from: bob, to: alice, text: "CONNECTION_ACCEPT:2"),
        Packet(time: 100.200, from: aliceChat, to: bob, text: "CHAT:1:1:hello: bob"),
        Packet(time: 100.201, from: bob, to: aliceChat, text: "ACK:2:1"),
        Packet(time: 100.205, from: bob, to: aliceChat, text: "ACK:2:1"),  // network duplicate
        Packet(time: 100.300, from: aliceChat, to: bob, text: "CHAT:1:2:second"),
        Packet(time: 100.600, from: aliceChat, to: bob, text: "CHAT:1:2:second\n"),  // re-send, with a newline this time
        Packet(time: 100.601, from: bob, to: aliceChat, text: "ACK:2:2"),
        Packet(time: 100.700, from: aliceChat, to: bob, text: "CHAT:1:x:bad"),  // malformed
        Packet(time: 100.800, from: alice, to: bob, text: "CONNECTION_TERMINATE:1"),
        Packet(time: 100.801, from: bob, to: alice, text: "ACK_TERMINATE:2"),
        Packet(time: 100.900, from: alice, to: colonServer, text: "LEAVE:1"),
        Packet(time: 100.901, from: colonServer, to: alice, text: "LEAVE_ACK:1"),
    ]

    static func decode(_ packets: [Packet], _ dialect: Dialect) throws -> DecodedCapture {
        let path = try writeCapture(packets, in: temporaryFolder())
        return ChatDecoder.decode(try PcapReader.read(path: path), options: ChatDecoder.Options(dialect: dialect))
    }

    @Test func decodeReadsAColonCaptureWhateverThePort() throws {
        let decoded = try Self.decode(Self.colon, try Self.dialect("colon"))
        let messages = decoded.timeline.compactMap { if case .chat(let message) = $0.kind { message } else { nil } }
        #expect(messages.map(\.verb.rawValue) == [
            "REGISTER", "REGISTERED", "REGISTER", "REGISTERED", "LOOKUP", "PEER", "CONNECT", "ACCEPT", "MSG", "ACK", "ACK",
            "MSG", "MSG", "ACK", "TERMINATE", "TERMINATED", "LEAVE", "LEFT",
        ])
        #expect(decoded.summary.malformed == 1)
        #expect(decoded.summary.malformedKinds == ["not-a-number": 1])
        #expect(decoded.summary.nonChat == 0)
        // One connection, named by its two peers: every peer message carries the same token.
        let conns = Set(messages.compactMap(\.conn))
        #expect(conns == [Dialect.pairToken(1, 2)])
        // The server's answer: the peer is at the server's host.
        #expect(messages.contains(.peer(id: 2, host: "127.0.0.1", port: 50002)))
        // Repeats judged on the fields: the re-sent CHAT differs in bytes (a newline) but not in fields.
        #expect(decoded.summary.resends == 1)
        #expect(decoded.summary.resendsByVerb == ["MSG": 1])
        #expect(decoded.summary.duplicates == 1)
    }

    @Test func decodeJudgesJSONRepeatsOnFieldsNotKeyOrder() throws {
        let packets = [
            Packet(time: 1.0, from: alice, to: bob, text: #"{"type": "chat", "conn": 5, "from": 1, "seq": 1, "text": "hi"}"#),
            Packet(time: 2.0, from: alice, to: bob, text: #"{"text": "hi", "seq": 1, "from": 1, "conn": 5, "type": "chat"}"#),
            Packet(time: 2.001, from: alice, to: bob, text: #"{"seq":1,"from":1,"conn":5,"type":"chat","text":"hi"}"#),
            Packet(time: 3.0, from: alice, to: bob, text: #"{"type": "chat", "conn": 5}"#),
            Packet(time: 4.0, from: alice, to: bob, text: "hello there"),
        ]
        let decoded = try Self.decode(packets, try Self.dialect("json"))
        #expect(decoded.summary.chat == 3)
        #expect(decoded.summary.resends == 1)
        #expect(decoded.summary.duplicates == 1)
        // Between chat endpoints, so the plain text is reported as malformed, not as other UDP.
        #expect(decoded.summary.malformedKinds == ["template-mismatch": 1, "not-json": 1])
        #expect(decoded.summary.malformed == 2)
    }

    @Test func withoutADialectTheColonCaptureIsNotChat() throws {
        let decoded = try Self.decode(Self.colon, .default)
        #expect(decoded.summary.chat == 0)
    }

    /// The contract's dissector is not written twice: contrib/wireshark/udpchat.lua is what
    /// `udpchat dialect lua default` prints (regenerate it with that command when this fails).
    @Test func contribDissectorIsTheGeneratedOneForTheContract() throws {
        let contrib = try String(contentsOfFile: repositoryRoot + "/contrib/wireshark/udpchat.lua", encoding: .utf8)
        #expect(contrib == LuaDissector(dialect: .default).script,
                "contrib/wireshark/udpchat.lua is stale: udpchat dialect lua default > contrib/wireshark/udpchat.lua")
    }

    @Test func generatedDissectorReadsTheColonCaptureInTshark() throws {
        let folder = temporaryFolder()
        let path = try writeCapture(Self.colon, in: folder)
        let script = folder + "/colon.lua"
        try LuaDissector(dialect: try Self.dialect("colon"), serverPort: 9999).script.write(toFile: script, atomically: true, encoding: .utf8)
        guard let verbs = try runTool("tshark", ["-X", "lua_script:" + script, "-r", path, "-T", "fields", "-e", "udpchat.verb", "-e", "udpchat.id"]) else {
            print("skipping dialect tshark test: tshark is not installed (apt-get install tshark)")
            return
        }
        #expect(verbs.status == 0)
        #expect(verbs.output.split(separator: "\n", omittingEmptySubsequences: false).prefix(19).map(String.init) == [
            "REGISTER\t1", "REGISTERED\t1", "REGISTER\t2", "REGISTERED\t2", "LOOKUP\t2", "PEER\t2", "CONNECT\t1", "ACCEPT\t2",
            "MSG\t1", "ACK\t2", "ACK\t2", "MSG\t1", "MSG\t1", "ACK\t2", "\t", "TERMINATE\t1", "TERMINATED\t2", "LEAVE\t1", "LEFT\t1",
        ])
        let msgs = try #require(try runTool("tshark", [
            "-X", "lua_script:" + script, "-r", path, "-Y", "udpchat.verb == \"MSG\"", "-T", "fields", "-e", "udpchat.id", "-e", "udpchat.seq", "-e", "udpchat.text",
        ]))
        #expect(msgs.output.split(separator: "\n") == ["1\t1\thello: bob", "1\t2\tsecond", "1\t2\tsecond"])
        let malformed = try #require(try runTool("tshark", ["-X", "lua_script:" + script, "-r", path, "-Y", "udpchat.malformed", "-T", "fields", "-e", "frame.number"]))
        #expect(malformed.output.split(separator: "\n") == ["15"])
    }

    @Test func generatedDissectorReadsJSONInTshark() throws {
        let folder = temporaryFolder()
        let packets = [
            Packet(time: 1.0, from: alice, to: bob, text: #"{"type": "chat", "conn": 5, "from": 1, "seq": 1, "text": "h\u00e9 \"x\""}"# + "\n"),
            Packet(time: 2.0, from: bob, to: alice, text: #"{"seq": 1, "from": 2, "type": "ACK", "conn": 5}"#),
            Packet(time: 3.0, from: server, to: alice, text: #"{"type": "error", "code": "id_taken", "id": 4}"#),
            Packet(time: 4.0, from: alice, to: bob, text: #"{"type": "chat", "conn": 5, "from": 1, "seq": 0, "text": "x"}"#),
        ]
        let path = try writeCapture(packets, in: folder)
        let script = folder + "/json.lua"
        try LuaDissector(dialect: try Self.dialect("json")).script.write(toFile: script, atomically: true, encoding: .utf8)
        guard let rows = try runTool("tshark", [
            "-X", "lua_script:" + script, "-r", path, "-T", "fields", "-e", "udpchat.verb", "-e", "udpchat.conn", "-e", "udpchat.id",
            "-e", "udpchat.seq", "-e", "udpchat.text", "-e", "udpchat.code", "-e", "udpchat.malformed",
        ]) else { return }
        #expect(rows.status == 0)
        #expect(rows.output.split(separator: "\n").map(String.init) == [
            "MSG\t5\t1\t1\thé \"x\"\t\t", "ACK\t5\t2\t1\t\t\t", "ERROR\t\t4\t\t\tID_IN_USE\t", "\t\t\t\t\t\t<seq> '0' is not a number in range",
        ])
    }

    /// Server-assigned ids and answers without an id (Fixtures/dialects/assigned.dialect.yaml):
    /// the decoder reads each answer as the answer to the request its socket sent.
    static let assigned: [Packet] = [
        Packet(time: 1.000, from: alice, to: server, text: "Port 50001\n"),
        Packet(time: 1.001, from: server, to: alice, text: "Client_1\n"),
        Packet(time: 1.010, from: bob, to: server, text: "Port 50002\n"),
        Packet(time: 1.011, from: server, to: bob, text: "2\n"),
        Packet(time: 1.050, from: alice, to: server, text: "Lookup Client_2\n"),
        Packet(time: 1.051, from: server, to: alice, text: "Client_2 127.0.0.1 50002\n"),
        Packet(time: 1.100, from: alice, to: bob, text: "Connection Request 1\n"),
        Packet(time: 1.101, from: bob, to: alice, text: "Connection Accepted\n"),
        Packet(time: 1.200, from: alice, to: bob, text: "1 1 hello\n"),
        Packet(time: 1.201, from: bob, to: alice, text: "ACK 1\n"),
        Packet(time: 1.300, from: alice, to: bob, text: "Terminate 1\n"),
        Packet(time: 1.301, from: bob, to: alice, text: "success\n"),
        Packet(time: 1.400, from: alice, to: server, text: "Quit\n"),
        Packet(time: 1.401, from: server, to: alice, text: "Client Left\n"),
    ]

    @Test func decodeMatchesAnswersWithoutAnIdToTheirRequests() throws {
        let decoded = try Self.decode(Self.assigned, try Self.dialect("assigned"))
        let messages = decoded.timeline.compactMap { if case .chat(let message) = $0.kind { message } else { nil } }
        #expect(messages.map { "\($0.verb.rawValue) \($0.id)" } == [
            "REGISTER 0", "REGISTERED 1", "REGISTER 0", "REGISTERED 2", "LOOKUP 2", "PEER 2", "CONNECT 1", "ACCEPT 2",
            "MSG 1", "ACK 2", "TERMINATE 1", "TERMINATED 2", "LEAVE 1", "LEFT 1",
        ])
        #expect(decoded.summary.malformed == 0)
        #expect(Set(messages.compactMap(\.conn)) == [Dialect.pairToken(1, 2)])
    }

    /// Tags, the alternating bit and the receiver (Fixtures/dialects/tagged.dialect.yaml) in the
    /// generated dissector: its wire-only fields are in the tree, an id-less answer has no id.
    @Test func generatedDissectorReadsTaggedDatagramsInTshark() throws {
        let packets = [
            Packet(time: 1.0, from: alice, to: server, text: "PKT 0 REG 1 50001"),
            Packet(time: 1.1, from: server, to: alice, text: "ACK 0 OK"),
            Packet(time: 2.0, from: alice, to: bob, text: "TO 2 MSG 1 hi there"),
            Packet(time: 2.1, from: bob, to: alice, text: "TO 1 ACK 1"),
            Packet(time: 3.0, from: alice, to: bob, text: "TO 2 MSG 7 bad"),
        ]
        let folder = temporaryFolder()
        let path = try writeCapture(packets, in: folder)
        let script = folder + "/tagged.lua"
        try LuaDissector(dialect: try Self.dialect("tagged")).script.write(toFile: script, atomically: true, encoding: .utf8)
        guard let rows = try runTool("tshark", [
            "-X", "lua_script:" + script, "-r", path, "-T", "fields", "-e", "udpchat.verb", "-e", "udpchat.id", "-e", "udpchat.tag",
            "-e", "udpchat.bit", "-e", "udpchat.to", "-e", "udpchat.text", "-e", "udpchat.malformed",
        ]) else {
            print("skipping dialect tshark test: tshark is not installed (apt-get install tshark)")
            return
        }
        #expect(rows.status == 0)
        #expect(rows.output.split(separator: "\n").map(String.init) == [
            "REGISTER\t1\t0\t\t\t\t", "REGISTERED\t\t0\t\t\t\t", "MSG\t\t\t1\t2\thi there\t", "ACK\t\t\t1\t1\t\t",
            "\t\t\t\t\t\tdoes not fit the CONNECT template: no ' CONNECT ' after {to}",  // as Dialect.parse: the first template's reason
        ], "\(rows.output)")
        // A dialect whose templates start with a field still makes a dissector tshark loads.
        let assigned = folder + "/assigned.lua"
        try LuaDissector(dialect: try Self.dialect("assigned")).script.write(toFile: assigned, atomically: true, encoding: .utf8)
        let assignedPath = try writeCapture(Self.assigned, in: folder, name: "assigned.pcap")
        let server = try #require(try runTool("tshark", ["-X", "lua_script:" + assigned, "-r", assignedPath, "-Y", "udpchat.verb == \"REGISTERED\"",
                                                         "-T", "fields", "-e", "udpchat.id"]))
        #expect(server.status == 0)
        #expect(server.output.split(separator: "\n") == ["1", "2"], "\(server.output)")
    }

    @Test func replayExpectComparesRepliesAsMessagesUnderADialect() throws {
        let json = try Self.dialect("json")
        let result = Replayer.SourceResult(
            original: alice, localPort: 1, sent: 2,
            expected: [Array(#"{"type": "registered", "id": 1, "port": 5}"#.utf8), Array(#"{"type": "inactive", "id": 2}"#.utf8)],
            received: [Array(#"{"port":5,"id":1,"type":"registered"}"#.utf8) + [0x0A], Array(#"{"type": "inactive", "id": 3}"#.utf8)])
        let differences = Replayer.compare(result, dialect: json)
        #expect(differences.count == 1)
        #expect(differences.first?.contains("reply 2") == true)
        // Without the dialect, bytes must be identical.
        #expect(Replayer.compare(result).count == 2)
    }
}
