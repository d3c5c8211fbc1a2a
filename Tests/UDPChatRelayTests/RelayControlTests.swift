import Testing
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport

/// Changes at run time go through the core: they take effect from the next datagram, are
/// traced as `.control` effects, and keep the books balanced across a counter reset.
@Suite struct RelayControlTests {
    @Test func aSettingTakesEffectFromTheNextDatagramAndIsTraced() throws {
        var relay = Relay()
        #expect(relay.up("first", at: at(0)).contains("up 1 arrived"))
        relay.core.upstreamOpened(flow: 1)
        var effects: [RelayEffect<Endpoint>] = []
        let loss = try Setting.parse(key: "loss", value: "100%")
        #expect(relay.core.control(.set(loss, directions: [.up]), now: at(1), into: &effects))
        #expect(effects.map(describe).count == 1)
        #expect(effects.map(describe).first?.hasPrefix("control set") == true)
        #expect(!relay.up("second", at: at(2)).contains("up 1 arrived"))
        #expect(relay.core.stats.up.dropped.total == 1)
        #expect(relay.down("reply", flow: 1, at: at(3)).contains("down 1 10.0.0.1:1111 arrived"))
    }

    @Test func rulesAreAddedAndRemovedByNumber() throws {
        var relay = Relay()
        var effects: [RelayEffect<Endpoint>] = []
        #expect(relay.core.control(.addRule(try Rule.parse("drop dir=up")), now: at(0), into: &effects))
        #expect(relay.core.ruleCount == 1)
        #expect(!relay.up("x", at: at(1)).contains("up 1 arrived"))
        #expect(!relay.core.control(.removeRule(5), now: at(2), into: &effects))
        #expect(relay.core.control(.removeRule(0), now: at(3), into: &effects))
        #expect(relay.core.ruleCount == 0)
        relay.core.upstreamOpened(flow: 1)
        #expect(relay.up("y", at: at(4)).contains("up 1 arrived"))
    }

    @Test func resetZeroesTheCountersAndTheBooksStillBalance() throws {
        var delayed = ImpairmentConfig()
        delayed.apply(.delay(.milliseconds(50)))
        var relay = Relay(impairments: delayed)
        _ = relay.up("a", at: at(0))
        relay.core.upstreamOpened(flow: 1)
        _ = relay.up("b", at: at(1))
        var effects: [RelayEffect<Endpoint>] = []
        #expect(relay.core.control(.resetCounters, now: at(2), into: &effects))
        let stats = relay.core.stats
        #expect(stats.up.received == 2 && stats.up.inFlight == 2 && stats.up.delivered == 2 && stats.up.sent == 0)
        #expect(stats.up.balanced)
        _ = relay.timer(at: at(100))
        #expect(relay.core.stats.up.sent == 2 && relay.core.stats.up.balanced)
    }
}
