import Testing
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport

let client1 = Endpoint(host: "10.0.0.1", port: 1111)
let client2 = Endpoint(host: "10.0.0.2", port: 2222)
let target = Endpoint(host: "10.0.0.9", port: 7070)

func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

/// A short, comparable rendering of an effect.
func describe(_ effect: RelayEffect<Endpoint>) -> String {
    func payload(_ p: RelayPayload) -> String {
        switch p {
        case .arrived: "arrived"
        case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        }
    }
    return switch effect {
    case .openUpstream(let flow): "open \(flow)"
    case .closeUpstream(let flow): "close \(flow)"
    case .sendUp(let flow, let p): "up \(flow) \(payload(p))"
    case .sendDown(let flow, let to, let p): "down \(flow) \(to) \(payload(p))"
    case .armTimer(let time): "timer \(time.nanoseconds / 1_000_000)ms"
    case .trace(let event): "trace \(event.verdict)"
    case .flowLimited(let from, let size): "limit \(from) \(size)"
    case .control(let record): "control \(record.change)"
    }
}

struct Relay {
    var core: RelayCore<Endpoint>
    var effects: [RelayEffect<Endpoint>] = []

    init(impairments: ImpairmentConfig = ImpairmentConfig(), flowIdle: Duration = .seconds(60), maxFlows: Int = 1024, tracing: Bool = false,
         countVerbs: Bool = false) {
        core = RelayCore(configuration: RelayConfiguration(name: "main", listen: Endpoint(host: "10.0.0.5", port: 9000), target: target,
                                                           impairments: impairments, seed: 1, flowIdle: flowIdle, maxFlows: maxFlows,
                                                           tracing: tracing, countVerbs: countVerbs))
    }

    mutating func up(_ text: String, from client: Endpoint = client1, at time: Instant) -> [String] {
        effects.removeAll()
        core.clientDatagram(Array(text.utf8), size: text.utf8.count, from: client, now: time, into: &effects)
        return effects.map(describe)
    }

    mutating func down(_ text: String, flow: UInt64, at time: Instant) -> [String] {
        effects.removeAll()
        core.upstreamDatagram(Array(text.utf8), size: text.utf8.count, flow: flow, now: time, into: &effects)
        return effects.map(describe)
    }

    mutating func timer(at time: Instant, batch: Duration = .zero) -> [String] {
        effects.removeAll()
        core.timerFired(now: time, batch: batch, into: &effects)
        return effects.map(describe)
    }
}

@Suite struct RelayCoreTests {
    @Test func aNewClientOpensAFlowAndItsRepliesGoBackToIt() {
        var relay = Relay()
        #expect(relay.up("hi", at: at(0)) == ["open 1", "timer 60000ms", "up 1 arrived"])
        // Sent before the upstream socket opened: in flight until it is.
        #expect(relay.core.stats.up.inFlight == 1 && relay.core.stats.up.sent == 0)
        relay.core.upstreamOpened(flow: 1)
        #expect(relay.core.stats.up.inFlight == 0 && relay.core.stats.up.sent == 1)
        #expect(relay.up("again", at: at(1)) == ["up 1 arrived"])
        #expect(relay.down("reply", flow: 1, at: at(2)) == ["down 1 10.0.0.1:1111 arrived"])
        #expect(relay.up("other", from: client2, at: at(3)) == ["open 2", "up 2 arrived"])
        let stats = relay.core.stats
        #expect(stats.activeFlows == 2 && stats.flowsOpened == 2 && stats.up.received == 3 && stats.down.sent == 1)
        #expect(stats.up.balanced && stats.down.balanced)
    }

    @Test func idleFlowsExpireExactlyAfterFlowIdle() {
        var relay = Relay(flowIdle: .seconds(3))
        _ = relay.up("hi", at: at(0))
        relay.core.upstreamOpened(flow: 1)
        _ = relay.down("reply", flow: 1, at: at(2000))  // activity either way keeps the flow
        #expect(relay.timer(at: at(3000)) == ["timer 5000ms"])
        #expect(relay.timer(at: at(4999)) == ["timer 5000ms"], "an early wake-up changes nothing")
        #expect(relay.timer(at: at(5000)) == ["close 1"])
        #expect(relay.core.stats.flowsExpired == 1 && relay.core.stats.activeFlows == 0)
        // Replies to a closed flow are gone; the client comes back on a new flow (a new source port upstream).
        #expect(relay.down("late", flow: 1, at: at(5001)) == [])
        #expect(relay.up("back", at: at(6000)) == ["open 2", "timer 9000ms", "up 2 arrived"])
    }

    @Test func datagramsFindTheirFlowWhileOthersOpenAndClose() {
        // The core remembers the last flow it looked up; opening and closing flows must not
        // send a datagram to the wrong one.
        var relay = Relay(flowIdle: .seconds(3))
        _ = relay.up("a", at: at(0))
        relay.core.upstreamOpened(flow: 1)
        #expect(relay.down("r1", flow: 1, at: at(1)) == ["down 1 10.0.0.1:1111 arrived"])
        _ = relay.up("b", from: client2, at: at(2))
        relay.core.upstreamOpened(flow: 2)
        #expect(relay.down("r1", flow: 1, at: at(3)) == ["down 1 10.0.0.1:1111 arrived"])
        #expect(relay.down("r2", flow: 2, at: at(2500)) == ["down 2 10.0.0.2:2222 arrived"])
        #expect(relay.timer(at: at(3003)).contains("close 1"))
        #expect(relay.down("gone", flow: 1, at: at(3002)) == [])
        #expect(relay.down("r2", flow: 2, at: at(3003)) == ["down 2 10.0.0.2:2222 arrived"])
        #expect(relay.up("again", from: client1, at: at(3004)) == ["open 3", "up 3 arrived"])
        relay.core.upstreamOpened(flow: 3)
        #expect(relay.down("r3", flow: 3, at: at(3005)) == ["down 3 10.0.0.1:1111 arrived"])
        #expect(relay.down("r2", flow: 2, at: at(3006)) == ["down 2 10.0.0.2:2222 arrived"])
        #expect(relay.core.stats.down.sent == 6 && relay.core.stats.activeFlows == 2)
    }

    @Test func flowsBeyondTheLimitAreDroppedAndCounted() {
        var relay = Relay(maxFlows: 1)
        _ = relay.up("one", at: at(0))
        #expect(relay.up("two", from: client2, at: at(1)) == ["limit 10.0.0.2:2222 3"])
        #expect(relay.core.stats.up.flowLimit == 1 && relay.core.stats.activeFlows == 1)
        #expect(relay.core.lastFlow == 0)
    }

    @Test func delayedCopiesWaitInTheQueueAndKeepTheirFlowAlive() throws {
        var impairments = ImpairmentConfig()
        try impairments.apply(key: "delay", directionalValue: "up:10ms")
        var relay = Relay(impairments: impairments, flowIdle: .milliseconds(5))
        #expect(relay.up("late", at: at(0)) == ["open 1", "timer 5ms"])
        relay.core.upstreamOpened(flow: 1)
        #expect(relay.core.stats.up.inFlight == 1)
        // Idle for flow-idle, but a copy is still queued: not closed.
        #expect(relay.timer(at: at(5)) == ["timer 10ms"])
        #expect(relay.timer(at: at(10)) == ["up 1 late", "timer 15ms"])
        #expect(relay.core.stats.up.sent == 1 && relay.core.stats.up.delayed == 1 && relay.core.stats.up.balanced)
        #expect(relay.timer(at: at(15)) == ["close 1"])
    }

    @Test func aWakeUpReleasesTheCopiesDueWithinItsBatchAndNoLater() throws {
        var impairments = ImpairmentConfig()
        try impairments.apply(key: "delay", directionalValue: "up:10ms")
        var relay = Relay(impairments: impairments)
        _ = relay.up("a", at: at(0))
        relay.core.upstreamOpened(flow: 1)
        _ = relay.up("b", at: Instant(nanoseconds: 15_000))  // due at 10.015 ms
        _ = relay.up("c", at: Instant(nanoseconds: 30_000))  // due at 10.030 ms
        // Woken at 10 ms with a 20 µs batch: a and b leave, c waits for its own time.
        let effects = relay.timer(at: at(10), batch: .microseconds(20))
        #expect(effects.filter { $0.hasPrefix("up") } == ["up 1 a", "up 1 b"])
        guard case .armTimer(let next) = relay.effects.last else { Issue.record("no re-arming: \(effects)"); return }
        #expect(next == Instant(nanoseconds: 10_030_000))
        #expect(relay.timer(at: next).first == "up 1 c")
        #expect(relay.core.stats.up.sent == 3 && relay.core.stats.up.balanced)
    }

    @Test func tracingGivesOneRecordPerDecision() throws {
        var impairments = ImpairmentConfig()
        try impairments.apply(key: "duplicate", directionalValue: "up:100%")
        var relay = Relay(impairments: impairments, tracing: true)
        let effects = relay.up("twice", at: at(0))
        #expect(effects.filter { $0.hasPrefix("trace") } == ["trace forwarded", "trace duplicated"])
        #expect(effects.filter { $0.hasPrefix("up") } == ["up 1 arrived", "up 1 arrived"])
        guard case .trace(let event) = relay.effects.first(where: { if case .trace = $0 { true } else { false } }) else { return }
        #expect(event.source == client1 && event.destination == target && event.link == "main")
    }

    @Test func stopSendsWhatIsQueuedAndClosesEveryFlow() throws {
        var impairments = ImpairmentConfig()
        try impairments.apply(key: "delay", directionalValue: "1s")
        var relay = Relay(impairments: impairments)
        _ = relay.up("queued", at: at(0))
        relay.core.upstreamOpened(flow: 1)
        relay.effects.removeAll()
        relay.core.stop(into: &relay.effects)
        #expect(relay.effects.map(describe) == ["up 1 queued", "close 1"])
        #expect(relay.core.stats.up.balanced)
    }

    @Test func eachLinkHasItsOwnSeed() {
        #expect(RelaySeed.link(7, name: "server") == RelaySeed.link(7, name: "server"))
        #expect(RelaySeed.link(7, name: "server") != RelaySeed.link(7, name: "bob"))
        #expect(RelaySeed.link(7, name: "server") != RelaySeed.link(8, name: "server"))
    }
}
