import Foundation
import Testing
import UDPChatCapture
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// The Wireshark dissector shows decode's analysis (`decode --wireshark FILE`): re-sends and
/// duplicates as expert info, answers linked to requests, in the contract's format and a dialect.
@Suite struct DissectorAnalysisTests {
    static let chat: [Packet] = [
        Packet(time: 1.000, from: alice, to: server, text: "REGISTER 1 50001"),
        Packet(time: 1.001, from: server, to: alice, text: "REGISTERED 1 50001"),
        Packet(time: 2.000, from: alice, to: bob, text: "MSG 7 1 1 hi"),
        Packet(time: 2.500, from: alice, to: bob, text: "MSG 7 1 1 hi"),  // re-sent
        Packet(time: 2.501, from: bob, to: alice, text: "ACK 7 2 1"),
        Packet(time: 2.502, from: bob, to: alice, text: "ACK 7 2 1"),  // duplicated by the network
    ]

    /// Decodes `packets`, writes the analysis and the dialect's dissector, and runs tshark over them
    /// printing per frame: number, re-send copy, duplicate copy, request, response, expert messages.
    static func tsharkRows(_ packets: [Packet], dialect: Dialect, serverPort: UInt16 = 7070) throws -> [String]? {
        let folder = temporaryFolder()
        let path = try writeCapture(packets, in: folder)
        let decoded = ChatDecoder.decode(try PcapReader.read(path: path), options: ChatDecoder.Options(dialect: dialect))
        let analysis = folder + "/analysis.lua"
        try decoded.wiresharkAnalysis(file: path).write(toFile: analysis, atomically: true, encoding: .utf8)
        let script = folder + "/dissector.lua"
        try LuaDissector(dialect: dialect, serverPort: serverPort).script.write(toFile: script, atomically: true, encoding: .utf8)
        guard let run = try runTool("tshark", [
            "-X", "lua_script:" + script, "-o", "udpchat.analysis:" + analysis, "-r", path, "-T", "fields", "-E", "separator=|",
            "-e", "frame.number", "-e", "udpchat.resend", "-e", "udpchat.duplicate", "-e", "udpchat.request_in", "-e", "udpchat.response_in",
            "-e", "_ws.expert.message",
        ]) else {
            print("skipping the dissector analysis test: tshark is not installed (apt-get install tshark)")
            return nil
        }
        #expect(run.status == 0)
        return run.output.split(separator: "\n").map(String.init)
    }

    @Test func theContractDissectorFlagsReSendsAndDuplicatesAndLinksAnswers() throws {
        guard let rows = try Self.tsharkRows(Self.chat, dialect: .default) else { return }
        #expect(rows == [
            "1||||2|",
            "2|||1||",
            "3|||||",
            "4|2|||5|Re-send, copy 2",
            "5|||4||",
            "6||2|4||Duplicate, copy 2",
        ], "\(rows)")
    }

    @Test func aDialectsDissectorShowsTheSameAnalysis() throws {
        guard let rows = try Self.tsharkRows(DialectCaptureTests.colon, dialect: try DialectCaptureTests.dialect("colon"), serverPort: 9999)
        else { return }
        #expect(rows.count == 19)
        guard rows.count == 19 else { return }
        #expect(rows[10] == "11||2|9||Duplicate, copy 2", "the network's duplicate ACK")
        #expect(rows[12] == "13|2|||14|Re-send, copy 2,Trailing newline (accepted, but senders must not add it)",
                "the re-sent CHAT (with a newline), answered by frame 14")
        #expect(rows[13] == "14|||13||")
        #expect(rows[5] == "6|||5||", "PORT answers QUERY")
    }

    @Test func aMidSessionCaptureIsFlaggedInWireshark() throws {
        guard let rows = try Self.tsharkRows(Array(Self.chat.dropFirst(4)), dialect: .default) else { return }
        #expect(rows.first?.hasPrefix("1||||") == true)
        #expect(rows.first?.contains("the capture starts in the middle of a session: #1 ACK answers a MSG") == true, "\(rows)")
    }
}
