import Foundation
import Testing
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport
import UDPChatTransparent

/// Transparent mode for real: in a private network namespace, two UDP sockets on pinned ports
/// (7070 and 40000) talk directly to each other, and every datagram passes through netfilter's queue
/// and the relay core. Skipped, with the reason printed, without root, iptables or NFQUEUE.
@Suite(.serialized) struct TransparentLiveTests {
    /// Starts the relay with `rules` and `options` in the current (private) namespace; nil when the
    /// system cannot (the reason is printed).
    static func relay(rules: [String] = [], options: [(String, String)] = [], trace: String? = nil,
                      seen: SeenEvents? = nil) throws -> TransparentRelay? {
        var config = TransparentConfiguration(seed: 7)
        for rule in rules { config.impairments.rules.append(try Rule.parse(rule)) }
        for (key, value) in options { try config.impairments.apply(key: key, directionalValue: value) }
        config.namespaceIsPrivate = true
        config.tracePath = trace
        if let seen { config.observer = { seen.record($0.verdict) } }
        let started = Result { () throws(UDPChatError) in try TransparentRelay.start(config) }
        if case .failure(let error) = started, error.code == .transparentUnsupported {
            print("skipping transparent live test: \(error.reason)")
            return nil
        }
        return try started.get()
    }

    static func skipped() -> Bool {
        guard let why = NamespaceHarness.unavailable else { return false }
        print("skipping transparent live test: \(why)")
        return true
    }

    @Test func aRuleDropsTheFirstRegisterAndTheTraceSaysSo() async throws {
        guard !Self.skipped() else { return }
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("transparent-\(getpid())-drop.jsonl").path
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let seen = SeenEvents()
        let outcome = try await NamespaceHarness.run { () throws -> (String?, String?, String?, LinkStats)? in
            guard let relay = try Self.relay(rules: ["drop verb=REGISTER nth=1"], trace: trace, seen: seen) else { return nil }
            let server = try TestSocket(port: 7070)
            let client = try TestSocket(port: 40000)
            client.send("REGISTER 7 40000", to: 7070)
            client.send("REGISTER 7 40001", to: 7070)
            let first = server.receiveText(timeout: .seconds(5))
            let more = server.receiveText(timeout: .milliseconds(300))
            server.send("REGISTERED 7 40001", to: 40000)
            let answer = client.receiveText(timeout: .seconds(5))
            return (first, more, answer, relay.stop())
        }
        guard let outcome else { return }
        let (first, more, answer, stats) = outcome
        #expect(first == "REGISTER 7 40001")
        #expect(more == nil)
        #expect(answer == "REGISTERED 7 40001")
        #expect(stats.up.received == 2 && stats.up.dropped[.rule] == 1 && stats.up.sent == 1 && stats.up.balanced)
        #expect(stats.down.received == 1 && stats.down.sent == 1 && stats.down.balanced)
        #expect(stats.rules.first?.acted == 1)
        #expect(seen.all == ["dropped", "forwarded", "forwarded"])
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.contains("\"src\":\"127.0.0.1:40000\",\"dst\":\"127.0.0.1:7070\"") == true)
        #expect(lines.first?.contains("\"verdict\":\"dropped\",\"reason\":\"rule\"") == true)
        #expect(lines.dropFirst().allSatisfy { $0.contains("\"verdict\":\"forwarded\"") })
    }

    @Test func aDelayHoldsTheDatagramForAboutThatLong() async throws {
        guard !Self.skipped() else { return }
        let outcome = try await NamespaceHarness.run { () throws -> (String?, Duration, LinkStats)? in
            guard let relay = try Self.relay(options: [("delay", "up:300ms")]) else { return nil }
            let server = try TestSocket(port: 7070)
            let client = try TestSocket(port: 40000)
            let clock = ContinuousClock()
            let start = clock.now
            client.send("LOOKUP 2", to: 7070)
            let text = server.receiveText(timeout: .seconds(10))
            let elapsed = clock.now - start
            return (text, elapsed, relay.stop())
        }
        guard let outcome else { return }
        let (text, elapsed, stats) = outcome
        #expect(text == "LOOKUP 2")
        #expect(elapsed >= .milliseconds(280), "arrived after \(elapsed)")
        #expect(elapsed < .seconds(10))
        #expect(stats.up.delayed == 1 && stats.up.sent == 1 && stats.up.inFlight == 0 && stats.up.balanced)
    }

    @Test func aDuplicateArrivesTwiceFromTheSameSource() async throws {
        guard !Self.skipped() else { return }
        let outcome = try await NamespaceHarness.run { () throws -> ([(String, UInt16)], LinkStats)? in
            guard let relay = try Self.relay(rules: ["duplicate verb=REGISTER"]) else { return nil }
            let server = try TestSocket(port: 7070)
            let client = try TestSocket(port: 40000)
            client.send("REGISTER 7 40000", to: 7070)
            var copies: [(String, UInt16)] = []
            while let datagram = server.receive(timeout: copies.count < 2 ? .seconds(5) : .milliseconds(300)) {
                copies.append((String(decoding: datagram.bytes, as: UTF8.self), datagram.from))
            }
            return (copies, relay.stop())
        }
        guard let outcome else { return }
        let (copies, stats) = outcome
        #expect(copies.map(\.0) == ["REGISTER 7 40000", "REGISTER 7 40000"])
        #expect(copies.map(\.1) == [40000, 40000])
        #expect(stats.up.received == 1 && stats.up.duplicated == 1 && stats.up.sent == 2 && stats.up.balanced)
    }

    @Test func aCorruptedDatagramArrivesWithOneBitFlipped() async throws {
        guard !Self.skipped() else { return }
        let outcome = try await NamespaceHarness.run { () throws -> ([UInt8]?, LinkStats)? in
            guard let relay = try Self.relay(options: [("corrupt", "up:100%")]) else { return nil }
            let server = try TestSocket(port: 7070)
            let client = try TestSocket(port: 40000)
            client.send("REGISTER 7 40000", to: 7070)
            let datagram = server.receive(timeout: .seconds(5))
            return (datagram?.bytes, relay.stop())
        }
        guard let outcome else { return }
        let (bytes, stats) = outcome
        let original = Array("REGISTER 7 40000".utf8)
        let received = try #require(bytes, "the corrupted datagram did not arrive (a wrong UDP checksum makes the kernel drop it)")
        #expect(received.count == original.count)
        #expect(zip(received, original).map { ($0 ^ $1).nonzeroBitCount }.reduce(0, +) == 1)
        #expect(stats.up.corrupted == 1 && stats.up.sent == 1)
    }
}

/// The guard: transparent mode never changes a namespace that is not declared private and does not look it.
@Suite struct TransparentGuardTests {
    @Test func refusesWithoutTheCallersWord() {
        let config = TransparentConfiguration(seed: 1)
        #expect(throws: UDPChatError.transparentNotPrivate("")) { try TransparentRelay.start(config) }
    }

    @Test func refusesANamespaceWithMoreThanLoopback() {
        let others = PrivateNamespace.interfaces().filter { $0 != "lo" }
        guard !others.isEmpty else {
            print("skipping the host-namespace guard test: this namespace has only lo")
            return
        }
        var config = TransparentConfiguration(seed: 1)
        config.namespaceIsPrivate = true
        do {
            _ = try TransparentRelay.start(config).stop()
            Issue.record("started in a namespace with \(others)")
        } catch {
            #expect(error.code == .transparentNotPrivate)
            #expect(error.reason.contains(others[0]))
        }
    }
}

/// Client ↔ client datagrams, sent directly, are a pair of their own and pass through the relay too.
@Suite struct TransparentDirectPairTests {
    @Test func clientsTalkingDirectlyGoThroughTheRelay() async throws {
        guard !TransparentLiveTests.skipped() else { return }
        let outcome = try await NamespaceHarness.run { () throws -> ([String], String?, String?, LinkStats)? in
            guard let relay = try TransparentLiveTests.relay(rules: ["duplicate verb=CONNECT"]) else { return nil }
            let server = try TestSocket(port: 7070)
            let alice = try TestSocket(port: 40000)
            let bob = try TestSocket(port: 40001)
            alice.send("LOOKUP 2", to: 7070)
            let lookup = server.receiveText(timeout: .seconds(5))
            alice.send("CONNECT 99 1", to: 40001)
            var connects: [String] = []
            while let text = bob.receiveText(timeout: connects.count < 2 ? .seconds(5) : .milliseconds(300)) { connects.append(text) }
            bob.send("ACCEPT 99 2", to: 40000)
            let accept = alice.receiveText(timeout: .seconds(5))
            return (connects, lookup, accept, relay.stop())
        }
        guard let outcome else { return }
        let (connects, lookup, accept, stats) = outcome
        #expect(lookup == "LOOKUP 2")
        #expect(connects == ["CONNECT 99 1", "CONNECT 99 1"])
        #expect(accept == "ACCEPT 99 2")
        #expect(stats.flowsOpened == 2, "alice–server and alice–bob")
        #expect(stats.up.received == 2 && stats.up.duplicated == 1 && stats.down.received == 1 && stats.up.balanced && stats.down.balanced)
    }
}
