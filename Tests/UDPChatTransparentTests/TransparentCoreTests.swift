import Testing
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport
@testable import UDPChatTransparent

/// The sans-I/O part of transparent mode, with no queue and no root: datagrams between two endpoints
/// go through the relay core; the verdict and the injections say what happens on the loopback.
@Suite struct TransparentCoreTests {
    let client = Endpoint(host: "127.0.0.1", port: 40000)
    let server = Endpoint(host: "127.0.0.1", port: 7070)
    let peer = Endpoint(host: "127.0.0.1", port: 40001)

    func core(_ options: [(String, String)] = [], rules: [String] = [], tracing: Bool = true) throws -> TransparentCore {
        var config = TransparentConfiguration(seed: 1)
        for (key, value) in options { try config.impairments.apply(key: key, directionalValue: value) }
        for rule in rules { config.impairments.rules.append(try Rule.parse(rule)) }
        if tracing { config.tracePath = "/dev/null" }
        return TransparentCore(configuration: config.relay, serverPort: config.serverPort)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func aRuleDropsTheFirstRegisterAndTheSecondPasses() throws {
        var core = try core(rules: ["drop verb=REGISTER nth=1"])
        var effects: [TransparentEffect] = []
        #expect(core.packet(Self.bytes("REGISTER 7 40000"), from: client, to: server, now: .zero, into: &effects) == .drop)
        #expect(core.packet(Self.bytes("REGISTER 7 40000"), from: client, to: server, now: .zero + .milliseconds(5), into: &effects) == .accept)
        #expect(core.packet(Self.bytes("REGISTERED 7 40000"), from: server, to: client, now: .zero + .milliseconds(6), into: &effects) == .accept)
        let traces = effects.compactMap { if case .trace(let event) = $0 { event } else { nil } }
        #expect(traces.map(\.verdict) == ["dropped", "forwarded", "forwarded"])
        #expect(traces.first?.rule == "drop verb=REGISTER nth=1")
        #expect(traces.map(\.source) == [client, client, server])
        #expect(traces.map(\.destination) == [server, server, client])
        #expect(traces[0].jsonLine.contains("\"src\":\"127.0.0.1:40000\",\"dst\":\"127.0.0.1:7070\""))
        let stats = core.stats
        #expect(stats.up.received == 2 && stats.up.delivered == 1 && stats.up.dropped[.rule] == 1 && stats.up.sent == 1)
        #expect(stats.down.received == 1 && stats.down.sent == 1)
        #expect(stats.up.balanced && stats.down.balanced && stats.activeFlows == 1)
    }

    @Test func aDuplicateIsAcceptedAndOneCopyInjected() throws {
        var core = try core(rules: ["duplicate verb=REGISTER"])
        var effects: [TransparentEffect] = []
        #expect(core.packet(Self.bytes("REGISTER 7 40000"), from: client, to: server, now: .zero, into: &effects) == .accept)
        let injections = effects.compactMap { if case .inject(let s, let d, let p) = $0 { (s, d, p) } else { nil } }
        #expect(injections.count == 1)
        #expect(injections.first?.0 == client && injections.first?.1 == server && injections.first?.2 == Self.bytes("REGISTER 7 40000"))
        #expect(core.stats.up.duplicated == 1 && core.stats.up.sent == 2 && core.stats.up.balanced)
    }

    @Test func aScopeSinglesOutOneFlowAndTheRestPassUncounted() throws {
        var config = TransparentConfiguration(seed: 1)
        config.impairments.rules.append(try Rule.parse("drop nth=1-2"))
        let (client, peer) = (client, peer)
        var core = TransparentCore(configuration: config.relay, serverPort: config.serverPort, scope: { $0 == client && $1 == peer })
        var effects: [TransparentEffect] = []
        // The client's datagrams to the server and the peer's to the client are out of scope: they pass, and do not count for nth.
        #expect(core.packet(Self.bytes("LOOKUP 2"), from: client, to: server, now: .zero, into: &effects) == .accept)
        #expect(core.packet(Self.bytes("ACCEPT 9 2"), from: peer, to: client, now: .zero, into: &effects) == .accept)
        #expect(core.packet(Self.bytes("CONNECT 9 1"), from: client, to: peer, now: .zero, into: &effects) == .drop)
        #expect(core.packet(Self.bytes("CONNECT 9 1"), from: client, to: peer, now: .zero, into: &effects) == .drop)
        #expect(core.packet(Self.bytes("CONNECT 9 1"), from: client, to: peer, now: .zero, into: &effects) == .accept)
        #expect(core.stats.up.received == 3 && core.stats.down.received == 0)
    }

    @Test func aDelayedDatagramIsDroppedNowAndInjectedWhenDue() throws {
        var core = try core([("delay", "up:200ms")])
        var effects: [TransparentEffect] = []
        #expect(core.packet(Self.bytes("LOOKUP 2"), from: client, to: server, now: .zero, into: &effects) == .drop)
        let armed = effects.compactMap { if case .armTimer(let at) = $0 { at } else { nil } }.min()
        #expect(armed == .zero + .milliseconds(200))
        #expect(core.stats.up.inFlight == 1)
        effects.removeAll()
        core.timerFired(now: .zero + .milliseconds(199), into: &effects)
        #expect(!effects.contains { if case .inject = $0 { true } else { false } })
        core.timerFired(now: .zero + .milliseconds(200), into: &effects)
        let injected = effects.compactMap { if case .inject(let s, let d, let p) = $0 { (s, d, p) } else { nil } }
        #expect(injected.count == 1 && injected.first?.0 == client && injected.first?.1 == server)
        #expect(core.stats.up.sent == 1 && core.stats.up.inFlight == 0 && core.stats.up.delayed == 1 && core.stats.up.balanced)
        // The reply goes the other way: down, not delayed.
        #expect(core.packet(Self.bytes("INACTIVE 2"), from: server, to: client, now: .zero + .milliseconds(201), into: &effects) == .accept)
    }

    @Test func aReorderedDatagramIsInjectedRightAfterTheOneThatOvertakesIt() throws {
        var core = try core([("reorder", "up:100%,hold=50ms")])
        var effects: [TransparentEffect] = []
        #expect(core.packet(Self.bytes("MSG 5 1 1 a"), from: client, to: peer, now: .zero, into: &effects) == .drop)
        effects.removeAll()
        let second = core.packet(Self.bytes("MSG 5 1 2 b"), from: client, to: peer, now: .zero + .milliseconds(1), into: &effects)
        #expect(second == .accept)
        let injected = effects.compactMap { if case .inject(_, _, let p) = $0 { p } else { nil } }
        #expect(injected == [Self.bytes("MSG 5 1 1 a")], "the held datagram leaves right after the one that overtook it")
        #expect(core.stats.up.reordered == 1 && core.stats.up.sent == 2 && core.stats.up.balanced)
    }

    @Test func corruptionAcceptsTheChangedPayload() throws {
        var core = try core([("corrupt", "100%")])
        var effects: [TransparentEffect] = []
        let original = Self.bytes("MSG 5 1 1 hello")
        guard case .acceptModified(let changed) = core.packet(original, from: client, to: peer, now: .zero, into: &effects) else {
            Issue.record("not modified")
            return
        }
        #expect(changed.count == original.count)
        #expect(zip(changed, original).map { ($0 ^ $1).nonzeroBitCount }.reduce(0, +) == 1)
        #expect(core.stats.up.corrupted == 1)
    }

    @Test func theServerSpeakingFirstStillGoesDown() throws {
        var core = try core(rules: ["drop dir=up"])
        var effects: [TransparentEffect] = []
        #expect(core.packet(Self.bytes("MSG 5 1 1 hi"), from: server, to: client, now: .zero, into: &effects) == .accept)
        #expect(core.packet(Self.bytes("ACK 5 2 1"), from: client, to: server, now: .zero, into: &effects) == .drop)
        #expect(core.stats.down.received == 1 && core.stats.up.dropped.total == 1 && core.stats.activeFlows == 1)
    }

    @Test func clientsTalkingDirectlyAreAPairOfTheirOwn() throws {
        var core = try core(rules: ["drop dir=down"])
        var effects: [TransparentEffect] = []
        _ = core.packet(Self.bytes("REGISTER 1 40000"), from: client, to: server, now: .zero, into: &effects)
        // client → peer: the client spoke first, so that is up; the peer's answer is down.
        #expect(core.packet(Self.bytes("CONNECT 9 1"), from: client, to: peer, now: .zero, into: &effects) == .accept)
        #expect(core.packet(Self.bytes("ACCEPT 9 2"), from: peer, to: client, now: .zero, into: &effects) == .drop)
        #expect(core.stats.activeFlows == 2 && core.stats.flowsOpened == 2)
    }

    @Test func withoutImpairmentOrTraceEveryDatagramIsAccepted() throws {
        var core = try core(tracing: false)
        var effects: [TransparentEffect] = []
        for i in 0..<5 {
            #expect(core.packet(Self.bytes("LOOKUP \(i + 1)"), from: client, to: server, now: .zero, into: &effects) == .accept)
        }
        #expect(effects.isEmpty || effects.allSatisfy { if case .armTimer = $0 { true } else { false } })
        #expect(core.stats.up.sent == 5 && core.stats.up.balanced)
    }
}
