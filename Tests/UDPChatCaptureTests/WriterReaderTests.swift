import Foundation
import Testing
import UDPChatCapture
import UDPChatSupport

@Suite struct WriterReaderTests {
    @Test func ipv4RoundTripWithValidChecksums() throws {
        let folder = temporaryFolder()
        let payloads = ["REGISTER 1 50001", "MSG 7 1 1 odd length!", "", String(repeating: "x", count: 1199)]
        let packets = payloads.enumerated().map { Packet(time: 1_700_000_000.25 + Double($0.offset), from: alice, to: server, text: $0.element) }
        let path = try writeCapture(packets, in: folder)
        #expect(files(in: folder) == ["test.pcap"])  // no temporary file left

        let capture = try PcapReader.read(path: path)
        #expect(capture.datagrams.count == payloads.count)
        for (datagram, packet) in zip(capture.datagrams, packets) {
            #expect(datagram.source == alice)
            #expect(datagram.destination == server)
            #expect(datagram.payload == Array(packet.text.utf8))
            #expect(abs(datagram.timestamp - packet.time) < 2e-6)
        }

        let raw = try rawPcapFrames(path)
        #expect(raw.linkType == 1)  // Ethernet
        for (frame, packet) in zip(raw.frames, packets) {
            #expect(frame[12] == 0x08 && frame[13] == 0x00)
            let ip = Array(frame[14...])
            #expect(ip[0] == 0x45)
            #expect(Int(ip[2]) << 8 | Int(ip[3]) == 28 + packet.text.utf8.count)
            #expect(onesComplementSumIsAllOnes(Array(ip[0..<20])), "IPv4 header checksum")
            let udp = Array(ip[20...])
            #expect(udp[6] != 0 || udp[7] != 0, "UDP checksum present")
            let length = UInt8(udp.count >> 8), lengthLow = UInt8(udp.count & 0xFF)
            let pseudo = Array(ip[12..<20]) + [0, 17, length, lengthLow]
            #expect(onesComplementSumIsAllOnes(pseudo + udp), "UDP checksum")
        }
    }

    @Test func ipv6RoundTripWithValidChecksum() throws {
        let folder = temporaryFolder()
        let a = Endpoint(host: "::1", port: 40000)
        let b = Endpoint(host: "fe80::1", port: 7070)
        let path = try writeCapture([Packet(time: 10, from: a, to: b, text: "LOOKUP 2")], in: folder)
        let datagram = try #require(try PcapReader.read(path: path).datagrams.first)
        #expect(datagram.source == a)
        #expect(datagram.destination == b)
        #expect(datagram.payload == Array("LOOKUP 2".utf8))

        let frame = try #require(try rawPcapFrames(path).frames.first)
        #expect(frame[12] == 0x86 && frame[13] == 0xDD)
        let ip = Array(frame[14...])
        let udp = Array(ip[40...])
        let pseudo = Array(ip[8..<40]) + [0, 0, UInt8(udp.count >> 8), UInt8(udp.count & 0xFF), 0, 0, 0, 17]
        #expect(onesComplementSumIsAllOnes(pseudo + udp), "UDP checksum over the IPv6 pseudo-header")
    }

    @Test func readsPcapng() throws {
        let folder = temporaryFolder()
        let frame = try Array("PEER 2 127.0.0.1 50002".utf8).withUnsafeBytes { payload in
            try PacketSynthesis.ethernetFrame(source: server, destination: alice, payload: payload)
        }
        let path = folder + "/x.pcapng"
        try Data(pcapngFile(frames: [(5.5, frame), (6.25, frame)])).write(to: URL(fileURLWithPath: path))
        let capture = try PcapReader.read(path: path)
        #expect(capture.datagrams.count == 2)
        #expect(capture.datagrams.first?.source == server)
        #expect(capture.datagrams.first?.payload == Array("PEER 2 127.0.0.1 50002".utf8))
        #expect(abs((capture.datagrams.last?.timestamp ?? 0) - 6.25) < 1e-6)
    }

    @Test func filterWhileReading() throws {
        let folder = temporaryFolder()
        let path = try writeCapture([
            Packet(time: 1, from: alice, to: server, text: "LOOKUP 2"),
            Packet(time: 2, from: alice, to: bob, text: "CONNECT 5 1"),
        ], in: folder)
        let capture = try PcapReader.read(path: path, filter: "udp port 7070")
        #expect(capture.datagrams.map(\.destination) == [server])
        #expect(throws: UDPChatError(.badFilter, "")) { try PcapReader.read(path: path, filter: "udp port banana") }
    }

    @Test func parserReportsFragmentsTruncationAndOtherProtocols() throws {
        let frame = try Array("MSG 1 1 1 hello".utf8).withUnsafeBytes {
            try PacketSynthesis.ethernetFrame(source: alice, destination: bob, payload: $0)
        }
        func parse(_ bytes: [UInt8], original: Int? = nil) -> FrameContent {
            bytes.withUnsafeBytes {
                PacketParser.parse(linkType: 1, frame: 1, timestamp: 0, bytes: $0, originalLength: original ?? bytes.count)
            }
        }
        #expect(parse(frame).isUDP)
        var fragment = frame
        fragment[14 + 6] = 0x20  // more fragments
        if case .fragmented = parse(fragment) {} else { Issue.record("expected fragmented") }
        if case .truncated = parse(Array(frame.prefix(frame.count - 3)), original: frame.count) {} else { Issue.record("expected truncated") }
        var tcp = frame
        tcp[14 + 9] = 6
        if case .notUDP = parse(tcp) {} else { Issue.record("expected not UDP") }
        var arp = frame
        arp[12] = 0x08; arp[13] = 0x06
        if case .notUDP = parse(arp) {} else { Issue.record("expected not IP") }
        // Linux cooked (SLL) framing of the same IP packet.
        let sll = [UInt8](repeating: 0, count: 14) + [0x08, 0x00] + Array(frame[14...])
        let cooked = sll.withUnsafeBytes { PacketParser.parse(linkType: 113, frame: 1, timestamp: 0, bytes: $0, originalLength: sll.count) }
        #expect(cooked.isUDP)
        // Raw IP.
        let rawIP = Array(frame[14...])
        let raw = rawIP.withUnsafeBytes { PacketParser.parse(linkType: 12, frame: 1, timestamp: 0, bytes: $0, originalLength: rawIP.count) }
        #expect(raw.isUDP)
    }

    @Test func unfinishedWriterLeavesNoFile() throws {
        let folder = temporaryFolder()
        do {
            let writer = try PcapWriter(path: folder + "/never.pcap")
            try writer.write(timestamp: 1, source: alice, destination: server, payload: [1, 2, 3])
            writer.abandon()
        }
        #expect(files(in: folder).isEmpty)
    }

    @Test func writerIsSafeAcrossThreads() async throws {
        let folder = temporaryFolder()
        let writer = try PcapWriter(path: folder + "/threads.pcap")
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for index in 0..<250 {
                        try? writer.write(timestamp: Double(index), source: alice, destination: server, payload: Array("ACK 1 \(task + 1) \(index + 1)".utf8))
                    }
                }
            }
        }
        #expect(try writer.finish() == 1000)
        #expect(try PcapReader.read(path: folder + "/threads.pcap").datagrams.count == 1000)
    }
}

extension FrameContent {
    var isUDP: Bool {
        if case .udp = self { return true }
        return false
    }
}

@Suite struct TapFilesTests {
    @Test func namingRule() {
        #expect(TapFiles.paths(for: "/tmp/run.pcap") == ("/tmp/run.received.pcap", "/tmp/run.sent.pcap"))
        #expect(TapFiles.paths(for: "trace") == ("trace.received.pcap", "trace.sent.pcap"))
    }

    @Test func writesBothSides() throws {
        let folder = temporaryFolder()
        let tap = try TapFiles(file: folder + "/proxy.pcap")
        tap.record(sent: false, timestamp: 1, source: alice, destination: server, payload: Array("LOOKUP 2".utf8))
        tap.record(sent: true, timestamp: 1.001, source: server, destination: bob, payload: Array("LOOKUP 2".utf8))
        tap.record(sent: true, timestamp: 1.002, source: server, destination: bob, payload: Array("LOOKUP 2".utf8))
        tap.record(sent: true, timestamp: 1.003, source: Endpoint(host: "not-an-ip", port: 1), destination: bob, payload: [])
        tap.record(sent: false, timestamp: 1.004, source: Endpoint(host: "0.0.0.0", port: 9), destination: bob, payload: [1])
        let counts = try tap.finish()
        #expect(counts.received == 2 && counts.sent == 2)
        #expect(try PcapReader.read(path: folder + "/proxy.received.pcap").datagrams.last?.source == Endpoint(host: "127.0.0.1", port: 9))
        #expect(tap.failed == 1)
        #expect(files(in: folder) == ["proxy.received.pcap", "proxy.sent.pcap"])
        #expect(try PcapReader.read(path: folder + "/proxy.sent.pcap").datagrams.map(\.destination) == [bob, bob])
    }
}
