import NIOPosix
import Testing
import UDPChatCapture
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

/// The captures in Fixtures/pcap (see its README.md for how each was made).
@Suite struct FixtureTests {
    static func fixture(_ name: String) -> String { repositoryRoot + "/Fixtures/pcap/" + name }

    static func verbs(_ decoded: DecodedCapture) -> [String] {
        decoded.timeline.compactMap { entry in
            if case .chat(let message) = entry.kind { return message.verb.rawValue }
            return nil
        }
    }

    @Test func cleanChatTimelineAndSummary() throws {
        let decoded = ChatDecoder.decode(try PcapReader.read(path: Self.fixture("clean-chat.pcap")))
        #expect(Self.verbs(decoded) == [
            "REGISTER", "REGISTERED", "REGISTER", "REGISTERED", "LOOKUP", "INACTIVE", "LOOKUP", "PEER", "CONNECT", "ACCEPT",
            "MSG", "ACK", "MSG", "ACK", "MSG", "ACK", "MSG", "ACK", "TERMINATE", "TERMINATED", "LEAVE", "LEFT", "LEAVE", "LEFT",
        ])
        let texts = decoded.timeline.compactMap { entry -> String? in
            if case .chat(.msg(_, _, _, let text)) = entry.kind { return text }
            return nil
        }
        #expect(texts == ["Hi Bob, it's Alice.", "Hello Alice! Loud and clear.", "Are you receiving me?", "Bye for now."])
        let summary = decoded.summary
        #expect(summary.frames == 24)
        #expect(summary.malformed == 0 && summary.nonChat == 0 && summary.skipped == 0)
        #expect(summary.resends == 0 && summary.duplicates == 0)
        #expect(summary.gaps.isEmpty)
        #expect(summary.verbs[.msg] == 4 && summary.verbs[.ack] == 4 && summary.verbs[.leave] == 2)
    }

    @Test func malformedTimelineAndSummary() throws {
        let decoded = ChatDecoder.decode(try PcapReader.read(path: Self.fixture("malformed.pcap")))
        let kinds = decoded.timeline.compactMap { entry -> String? in
            if case .malformed(let error) = entry.kind { return error.kind }
            return nil
        }
        #expect(kinds == [
            "unknown-verb", "field-count", "not-a-number", "number-out-of-range", "text-length", "not-utf8", "too-long",
            "bad-host", "unknown-error-code", "forbidden-character",
        ])
        #expect(Self.verbs(decoded) == ["REGISTER", "REGISTERED", "LOOKUP", "INACTIVE", "LEAVE", "LEFT"])
        #expect(decoded.summary.nonChat == 1)
        #expect(decoded.summary.malformed == 10)
        #expect(decoded.text().contains("MALFORMED (not-utf8): datagram is not valid UTF-8  \"\\xff\\xfeREGISTER 1 41001\""))
    }

    @Test func lossyChatShowsResendsAndDuplicates() throws {
        let sent = ChatDecoder.decode(try PcapReader.read(path: Self.fixture("lossy-chat.sent.pcap")))
        let received = ChatDecoder.decode(try PcapReader.read(path: Self.fixture("lossy-chat.received.pcap")))
        #expect(received.summary.resends > 0, "the clients re-sent what the proxy lost")
        #expect(received.summary.duplicates == 0, "nothing is duplicated before the impairment")
        #expect(sent.summary.duplicates > 0, "the proxy duplicated some datagrams")
        #expect(sent.summary.resends > 0)
        #expect(sent.summary.malformed == 0 && sent.summary.gaps.isEmpty)
        let delivered = Set(sent.timeline.compactMap { entry -> String? in
            if case .chat(.msg(_, 1, _, let text)) = entry.kind { return text }
            return nil
        })
        #expect(delivered == ["one", "two", "three", "four", "five", "six"])
        #expect(sent.summary.frames < received.summary.frames + sent.summary.duplicates, "some datagrams were lost")
    }

    @Test func replayOfTheCleanFixtureAgainstTheReferenceServerPasses() async throws {
        let datagrams = try PcapReader.read(path: Self.fixture("clean-chat.pcap")).datagrams
        let originalServer = try #require(datagrams.first?.destination)  // REGISTER goes to the server
        let live = try await ChatServer.start(ChatServerOptions(host: "127.0.0.1", port: 0))
        let report = try await Replayer.run(
            datagrams: datagrams, options: Replayer.Options(target: live.localAddress, originalServer: originalServer, settle: 2),
            group: MultiThreadedEventLoopGroup.singleton)
        try await live.close()
        #expect(report.sources.count == 2)
        #expect(report.sent == 6)
        #expect(report.differences == [])
    }

    @Test func replayOfTheMalformedFixtureAgainstTheReferenceServerPasses() async throws {
        let datagrams = try PcapReader.read(path: Self.fixture("malformed.pcap")).datagrams
        let live = try await ChatServer.start(ChatServerOptions(host: "127.0.0.1", port: 0))
        let report = try await Replayer.run(
            datagrams: datagrams,
            options: Replayer.Options(target: live.localAddress, originalServer: Endpoint(host: "127.0.0.1", port: 47070), fast: true, settle: 2),
            group: MultiThreadedEventLoopGroup.singleton)
        try await live.close()
        #expect(report.sent == 13)
        #expect(report.differences == [], "malformed datagrams get no answer, valid ones the same answer")
    }

    @Test func tsharkFiltersTheCleanFixtureWithTheDissector() throws {
        let script = repositoryRoot + "/contrib/wireshark/udpchat.lua"
        guard let result = try runTool("tshark", [
            "-X", "lua_script:" + script, "-r", Self.fixture("clean-chat.pcap"), "-Y", "udpchat.verb == \"MSG\"", "-T", "fields", "-e", "udpchat.text",
        ]) else {
            print("skipping tshark fixture test: tshark is not installed (apt-get install tshark)")
            return
        }
        #expect(result.status == 0)
        #expect(result.output.split(separator: "\n") == ["Hi Bob, it's Alice.", "Hello Alice! Loud and clear.", "Are you receiving me?", "Bye for now."])

        // Decoded as udpchat on the server's port, every malformed datagram gets expert info.
        let malformed = try #require(try runTool("tshark", [
            "-X", "lua_script:" + script, "-r", Self.fixture("malformed.pcap"), "-d", "udp.port==47070,udpchat",
            "-Y", "udpchat.malformed", "-T", "fields", "-e", "frame.number",
        ]))
        #expect(malformed.output.split(separator: "\n") == ["3", "4", "5", "6", "9", "10", "11", "12", "13", "14"])

        // The one datagram with a trailing newline (accepted) is decoded, with a note.
        let newline = try #require(try runTool("tshark", [
            "-X", "lua_script:" + script, "-r", Self.fixture("malformed.pcap"), "-d", "udp.port==47070,udpchat",
            "-Y", "udpchat.newline", "-T", "fields", "-e", "frame.number", "-e", "udpchat.verb",
        ]))
        #expect(newline.output.split(separator: "\n") == ["7\tLOOKUP"])
    }
}
