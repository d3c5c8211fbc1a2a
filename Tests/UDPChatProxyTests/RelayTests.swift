import Foundation
import NIOCore
import NIOPosix
import Testing
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport
import UDPChatWire

@Suite struct RelayTests {
    @Test func relaysBothWaysThroughOneUpstreamSocket() async throws {
        let rig = try await Rig.start()
        try await rig.send("hello")
        try await rig.send("again")
        let atServer = try await rig.server.waitFor(2)
        #expect(atServer.map(\.text) == ["hello", "again"])
        #expect(atServer[0].from.port != rig.client.endpoint.port, "the server sees the proxy's upstream socket")
        #expect(atServer[0].from == atServer[1].from, "one upstream socket per client")
        let replies = try await rig.client.waitFor(2)
        #expect(replies.map(\.text) == ["hello", "again"])
        #expect(replies.allSatisfy { $0.from == rig.proxy.localAddress }, "replies leave from the listening socket")
        let stats = await rig.finish()
        let link = try #require(stats.links.first)
        #expect(link.up.received == 2 && link.up.sent == 2 && link.down.received == 2 && link.down.sent == 2)
        #expect(link.up.balanced && link.down.balanced)
        #expect(link.flowsOpened == 1)
    }

    @Test func manyFlowsEachGetTheirReplies() async throws {
        let rig = try await Rig.start()
        var clients: [TestPeer] = []
        for _ in 0..<20 { clients.append(try await TestPeer.bind(group: rig.group)) }
        for (i, client) in clients.enumerated() {
            for j in 0..<3 { try await client.send("c\(i) m\(j)", to: rig.proxy.localAddress) }
        }
        for (i, client) in clients.enumerated() {
            let got = try await client.waitFor(3)
            #expect(got.map(\.text) == (0..<3).map { "c\(i) m\($0)" })
        }
        let stats = await rig.proxy.stats()
        #expect(stats.links[0].activeFlows == 20)
        #expect(Set(try await rig.server.waitFor(60).map(\.from)).count == 20)
        for client in clients { await client.close() }
        _ = await rig.finish()
    }

    @Test func sixtyThousandByteDatagramPassesIntact() async throws {
        let rig = try await Rig.start([("delay", "1ms")])
        let big = (0..<60_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await rig.client.send(big, to: rig.proxy.localAddress)
        let atServer = try await rig.server.waitFor(1)
        #expect(atServer.first?.bytes == big)
        let back = try await rig.client.waitFor(1)
        #expect(back.first?.bytes == big)
        _ = await rig.finish()
    }

    @Test func idleFlowsExpire() async throws {
        // 500 ms, not less: the second flow must outlive its own echo on a loaded machine.
        let rig = try await Rig.start { $0.flowIdle = .milliseconds(500) }
        try await rig.send("one")
        try await rig.client.waitFor(1)
        // Read at least once after waiting: a test task stalled past the deadline (the loaded CI machine
        // stalled the whole pool 30 s once) must still look, not give up unread with 0.
        let deadline = ContinuousClock.now + .seconds(5)
        var expired: UInt64 = 0
        repeat {
            try await Task.sleep(for: .milliseconds(20))
            expired = await rig.proxy.stats().links[0].flowsExpired
        } while expired == 0 && ContinuousClock.now < deadline
        #expect(expired == 1)
        #expect(await rig.proxy.stats().links[0].activeFlows == 0)
        // A new datagram from the same client opens a new flow and still works.
        try await rig.send("two")
        #expect(try await rig.client.waitFor(2).map(\.text) == ["one", "two"])
        #expect(await rig.finish().links[0].flowsOpened == 2)
    }

    @Test func flowCapDropsAndCounts() async throws {
        let rig = try await Rig.start { $0.maxFlows = 1 }
        let other = try await TestPeer.bind(group: rig.group)
        try await rig.send("first")
        try await rig.client.waitFor(1)
        try await other.send("second", to: rig.proxy.localAddress)
        #expect(try await other.settle().isEmpty)
        await other.close()
        let stats = await rig.finish()
        #expect(stats.links[0].up.flowLimit == 1 && stats.links[0].up.balanced)
    }

    @Test func tapSeesReceivedAndSentBothWays() async throws {
        let tapped = TapLog()
        let rig = try await Rig.start([("loss", "down:100%")]) { config in
            config.tap = { tapped.append($0) }
        }
        try await rig.send("tap me")
        try await rig.server.waitFor(1)
        _ = try await rig.client.settle()
        _ = await rig.finish()
        let items = tapped.items
        let received = items.filter { if case .received = $0.point { true } else { false } }
        let sent = items.filter { if case .sent = $0.point { true } else { false } }
        #expect(received.count == 2, "up at the listener, down at the upstream socket")
        #expect(sent.count == 1, "the reply was lost")
        #expect(sent.first?.destination == rig.server.endpoint)
        #expect(received.first?.source == rig.client.endpoint)
        #expect(items.allSatisfy { $0.payload == Array("tap me".utf8) && $0.timestamp > 1_600_000_000 })
    }

    @Test func traceWritesOneJSONLinePerEvent() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rig = try await Rig.start(rules: ["drop dir=up verb=MSG seq=1 nth=1"]) { $0.tracePath = path }
        try await rig.send(Message.msg(conn: 7, id: 1, seq: 1, text: "hi").serialized)
        try await rig.send(Message.msg(conn: 7, id: 1, seq: 1, text: "hi").serialized)
        try await rig.client.waitFor(1)
        _ = await rig.finish()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(objects[0]["verdict"] as? String == "dropped")
        #expect(objects[0]["reason"] as? String == "rule")
        #expect(objects[0]["rule"] as? String == "drop dir=up verb=MSG seq=1 nth=1")
        #expect((objects[0]["msg"] as? [String: Any])?["verb"] as? String == "MSG")
        #expect((objects[0]["msg"] as? [String: Any])?["seq"] as? Int == 1)
        #expect(objects[1]["verdict"] as? String == "forwarded" && objects[1]["dir"] as? String == "up")
        #expect(objects[2]["dir"] as? String == "down")
        #expect(objects.allSatisfy { $0["size"] as? Int == 12 && $0["flow"] as? Int == 1 })
    }
}

final class TapLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [TappedDatagram] = []
    func append(_ item: TappedDatagram) { lock.withLock { list.append(item) } }
    var items: [TappedDatagram] { lock.withLock { list } }
}

@Suite struct ServerLifecycleTests {
    @Test func busyPortIsAClearError() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let holder = try await TestPeer.bind(group: group)
        let config = ProxyConfiguration(listen: holder.endpoint, target: Endpoint(host: "127.0.0.1", port: 9), seed: 1)
        let error = await #expect(throws: UDPChatError.self) { try await ProxyServer.start(config: config) }
        #expect(error?.description.contains("cannot listen on \(holder.endpoint)") == true, "\(error?.description ?? "")")
        await holder.close()
        try await group.shutdownGracefully()
    }

    @Test func statsStillReadableAfterStop() async throws {
        let rig = try await Rig.start()
        try await rig.send("x")
        try await rig.client.waitFor(1)
        let final = await rig.finish()
        let after = await rig.proxy.stats()
        #expect(after.links.map(\.up) == final.links.map(\.up))
    }
}
