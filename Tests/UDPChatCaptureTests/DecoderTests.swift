import Foundation
import Testing
import UDPChatCapture
import UDPChatSupport
import UDPChatWire

@Suite struct DecoderTests {
    /// A short lossy conversation: alice's MSG 2 is re-sent after an RTO, one ACK is duplicated by
    /// the network, MSG 4 never shows up, one datagram is malformed and one is DNS-like noise.
    static let lossy: [Packet] = [
        Packet(time: 100.000, from: alice, to: server, text: "REGISTER 1 50001"),
        Packet(time: 100.001, from: server, to: alice, text: "REGISTERED 1 50001"),
        Packet(time: 100.100, from: alice, to: bob, text: "CONNECT 77 1"),
        Packet(time: 100.101, from: bob, to: alice, text: "ACCEPT 77 2"),
        Packet(time: 100.200, from: alice, to: bob, text: "MSG 77 1 1 hello bob"),
        Packet(time: 100.201, from: bob, to: alice, text: "ACK 77 2 1"),
        Packet(time: 100.205, from: bob, to: alice, text: "ACK 77 2 1"),  // network duplicate
        Packet(time: 100.300, from: alice, to: bob, text: "MSG 77 1 2 second"),
        Packet(time: 100.600, from: alice, to: bob, text: "MSG 77 1 2 second"),  // re-send after RTO
        Packet(time: 100.601, from: bob, to: alice, text: "ACK 77 2 2"),
        Packet(time: 100.700, from: alice, to: bob, text: "MSG 77 1 3 third"),
        Packet(time: 100.800, from: alice, to: bob, text: "MSG 77 1 5 fifth"),
        Packet(time: 100.900, from: alice, to: server, text: "REGISTER 01 50001"),  // malformed
        Packet(time: 101.000, from: Endpoint(host: "127.0.0.1", port: 5353), to: Endpoint(host: "127.0.0.1", port: 5354), text: "\u{1}\u{2}dns"),
    ]

    @Test func timelineAndSummary() throws {
        let path = try writeCapture(Self.lossy, in: temporaryFolder())
        let decoded = ChatDecoder.decode(try PcapReader.read(path: path))
        #expect(decoded.timeline.count == Self.lossy.count)
        #expect(decoded.timeline[0].kind == .chat(.register(id: 1, port: 50001)))
        #expect(decoded.timeline[4].kind == .chat(.msg(conn: 77, id: 1, seq: 1, text: "hello bob")))
        #expect(abs(decoded.timeline[4].relative - 0.2) < 1e-5)
        #expect(decoded.timeline[6].repetition == .duplicate(copy: 2))
        #expect(decoded.timeline[8].repetition == .resend(copy: 2))
        #expect(decoded.timeline[12].kind == .malformed(.notANumber(field: "id", text: "01")))
        #expect(decoded.timeline[13].kind == .nonChat)

        let summary = decoded.summary
        #expect(summary.frames == 14)
        #expect(summary.chat == 12)
        #expect(summary.malformed == 1)
        #expect(summary.nonChat == 1)
        #expect(summary.verbs[.msg] == 5)
        #expect(summary.verbs[.ack] == 3)
        #expect(summary.resends == 1)
        #expect(summary.resendsByVerb == ["MSG": 1])
        #expect(summary.duplicates == 1)
        #expect(summary.gaps == [SequenceGap(conn: 77, sender: 1, missing: [4])])
        #expect(summary.malformedKinds == ["not-a-number": 1])

        let text = decoded.text()
        #expect(text.contains("#5  0.200000  127.0.0.1:50001 → 127.0.0.1:50002  MSG conn=77 id=1 seq=1 text=\"hello bob\""))
        #expect(text.contains("MALFORMED (not-a-number)"))
        #expect(text.contains("non-chat UDP, 5 bytes"))
        #expect(text.contains("gap: conn 77 id 1 missing seq 4"))

        let json = try JSONSerialization.jsonObject(with: Data(decoded.json().utf8)) as? [String: Any]
        let jsonSummary = json?["summary"] as? [String: Any]
        #expect(jsonSummary?["resends"] as? Int == 1)
        #expect((json?["timeline"] as? [Any])?.count == 14)
    }

    @Test func badFilesGiveTheRightError() throws {
        let folder = temporaryFolder()
        let good = try writeCapture(Self.lossy, in: folder)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))

        let notPcap = folder + "/text.pcap"
        try Data("just some text, not a capture\n".utf8).write(to: URL(fileURLWithPath: notPcap))
        #expect(throws: UDPChatError(.notACapture, "")) { try PcapReader.read(path: notPcap) }

        let truncated = folder + "/truncated.pcap"
        try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: UDPChatError(.truncated, "")) { try PcapReader.read(path: truncated) }

        let corrupt = folder + "/corrupt.pcap"
        var damaged = [UInt8](bytes)
        damaged[24 + 8] = 0xFF; damaged[24 + 9] = 0xFF; damaged[24 + 10] = 0xFF; damaged[24 + 11] = 0x7F  // caplen of frame 1
        try Data(damaged).write(to: URL(fileURLWithPath: corrupt))
        #expect(throws: UDPChatError(.corrupt, "")) { try PcapReader.read(path: corrupt) }

        #expect(throws: UDPChatError(.cannotOpen, "")) { try PcapReader.read(path: folder + "/missing.pcap") }
        do {
            _ = try PcapReader.read(path: truncated)
        } catch {
            #expect(error.description.contains("truncated.pcap"), "the message names the file")
            #expect(!error.description.contains("\n"))
        }
    }
}
