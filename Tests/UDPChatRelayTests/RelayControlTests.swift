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

/// The trace reads datagrams the way the link's rules do: in the link's dialect.
@Suite struct RelayTraceDialectTests {
    static let colon = MessageReader(name: "colon") { bytes in
        String(decoding: bytes, as: UTF8.self).hasPrefix("CHAT:") ? .msg(conn: 1, id: 3, seq: 7, text: "hi") : nil
    }

    func traceLines(_ text: String, reader: MessageReader) -> [String] {
        var config = ImpairmentConfig()
        config.reader = reader
        var relay = Relay(impairments: config, tracing: true)
        var effects: [RelayEffect<Endpoint>] = []
        relay.core.clientDatagram(Array(text.utf8), size: text.utf8.count, from: client1, now: at(0), into: &effects)
        return effects.compactMap { effect -> String? in
            if case .trace(let event) = effect { return event.jsonLine }
            return nil
        }
    }

    @Test func aDialectsMessageIsNamedInTheTrace() throws {
        let line = try #require(traceLines("CHAT:3:7:hi", reader: Self.colon).first)
        #expect(line.contains(#""msg":{"verb":"MSG","conn":1,"id":3,"seq":7}"#), "\(line)")
        // The contract's own bytes are not chat in that dialect, and the contract's reader is the default.
        #expect(traceLines("MSG 1 3 7 hi", reader: Self.colon).first?.contains("\"msg\"") == false)
        #expect(traceLines("MSG 1 3 7 hi", reader: .contract).first?.contains(#""verb":"MSG""#) == true)
    }
}
