import Foundation
import Testing
import UDPChatDialect
import UDPChatIUT
import UDPChatRuntime
import UDPChatSupport

/// `udpchat proxy --dialect` between the reference client and the Python colon server of
/// Fixtures/dialects/iut, as a user runs it: the rule reads the colon datagrams by the contract's
/// names, the trace shows them decoded, and `--count-verbs` counts them.
@Suite struct DialectProxyTests {
    @Test func aRuleDropsTheFirstColonRegisterAndTheClientResendsIt() async throws {
        guard DialectFixtureTests.python != nil else {
            print("skipping dialect proxy test: no python3")
            return
        }
        let server = try await CLIProcess.start(["server.py", "--wire", "colon", "--port", "0"],
                                                executable: URL(fileURLWithPath: DialectFixtureTests.python!), workdir: DialectFixtureTests.folder)
        defer { server.stop() }
        let line = try await server.waitForLine(containing: "listening on udp")
        let serverPort = try #require(UInt16(line.split(separator: " ").last ?? ""))
        let dialectPath = DialectFixtureTests.folder + "/../colon.dialect.yaml"
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("udpchat-dialect-proxy-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let listen = Endpoint(host: "127.0.0.1", port: PortAllocator.shared.next())
        let proxy = try await CLIProcess.start([
            "proxy", "--listen", "\(listen)", "--to", "127.0.0.1:\(serverPort)", "--dialect", dialectPath,
            "--rule", "drop dir=up verb=REGISTER nth=1", "--count-verbs", "--trace", trace, "--stats-interval", "0",
        ])
        defer { proxy.stop() }
        try await proxy.waitForLine(containing: "listening on")

        let client = try await DialectRuntimeTests.client(4, listen, try Dialect.load(dialectPath))
        try await client.registered()  // only after a resend: the first REGISTER:4:… was dropped
        client.submit("/quit")
        _ = try await withTimeout("client exits") { try await client.runtime.exit() }

        kill(proxy.process.pid, SIGINT)
        #expect(try await proxy.waitForExit() == 0)
        // A loaded machine may delay an answer past the RTO and so add re-sends: the counts are
        // judged against each other, never against a fixed number of datagrams.
        let rule = try #require(proxy.lines.first { $0.hasPrefix("  rule 1 'drop dir=up verb=REGISTER nth=1': matched ") }, "\(proxy.stdout)")
        let verbs = proxy.lines.filter { $0.hasPrefix("       by verb: ") }.map(Self.counts)
        #expect(verbs.count == 2, "\(proxy.stdout)")
        let up = verbs.first ?? [:], down = verbs.last ?? [:]
        let registers = up["REGISTER"] ?? 0
        #expect(registers >= 2, "the dropped REGISTER and at least one re-send: \(proxy.stdout)")
        #expect(rule.hasSuffix(": matched \(registers), acted 1"), "\(rule)")
        #expect((up["LEAVE"] ?? 0) >= 1 && (down["REGISTERED"] ?? 0) >= 1 && (down["LEFT"] ?? 0) >= 1, "\(proxy.stdout)")
        #expect(Set(up.keys) == ["REGISTER", "LEAVE"] && Set(down.keys) == ["REGISTERED", "LEFT"], "\(proxy.stdout)")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let drops = lines.filter { $0.contains("\"verdict\":\"dropped\"") }
        #expect(drops.count == 1, "\(drops)")
        let drop = try #require(drops.first)
        #expect(drop.contains("\"msg\":{\"verb\":\"REGISTER\",\"id\":4"), "\(drop)")
        #expect(drop.contains("\"reason\":\"rule\""), "\(drop)")
        #expect(lines.filter { $0.contains("\"verb\":\"REGISTER\"") && $0.contains("\"verdict\":\"forwarded\"") }.count == registers - 1, "\(lines)")
    }

    /// `       by verb: REGISTER 2  LEAVE 1` → ["REGISTER": 2, "LEAVE": 1].
    static func counts(_ line: String) -> [String: Int] {
        let words = line.dropFirst("       by verb: ".count).split(separator: " ")
        var counts: [String: Int] = [:]
        for pair in stride(from: 0, to: words.count - 1, by: 2) { counts[String(words[pair])] = Int(words[pair + 1]) }
        return counts
    }
}
