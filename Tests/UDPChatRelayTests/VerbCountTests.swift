import Testing
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport
import UDPChatWire

/// `countVerbs`: each direction counts its received datagrams by the verb the link's reader
/// reads; the counts add up to `received`, and a link that does not count reads nothing.
@Suite struct VerbCountTests {
    @Test func bothDirectionsCountByVerbInTheContract() {
        var relay = Relay(countVerbs: true)
        #expect(relay.core.needsBytes, "a passthrough link that counts verbs still needs the bytes")
        _ = relay.up("REGISTER 3 5000", at: at(0))
        relay.core.upstreamOpened(flow: 1)
        _ = relay.up("LOOKUP 4", at: at(1))
        _ = relay.up("LOOKUP 4", at: at(2))
        _ = relay.up("hello?", at: at(3))
        _ = relay.down("REGISTERED 3 5000", flow: 1, at: at(4))
        let stats = relay.core.stats
        #expect(stats.up.verbs[.register] == 1 && stats.up.verbs[.lookup] == 2 && stats.up.verbs[nil] == 1)
        #expect(stats.up.verbs.total == stats.up.received)
        #expect(stats.up.verbs.nonZero.map(\.name) == ["REGISTER", "LOOKUP", "unreadable"])
        #expect(stats.down.verbs[.registered] == 1 && stats.down.verbs.total == stats.down.received)
    }

    @Test func aDialectsMessagesCountUnderTheContractsVerbs() {
        var config = ImpairmentConfig()
        config.reader = RelayTraceDialectTests.colon
        var relay = Relay(impairments: config, countVerbs: true)
        _ = relay.up("CHAT:3:7:hi", at: at(0))
        _ = relay.up("MSG 1 3 7 hi", at: at(1))
        #expect(relay.core.stats.up.verbs[.msg] == 1, "read with the link's dialect")
        #expect(relay.core.stats.up.verbs[nil] == 1, "the contract's MSG is not this dialect's")
    }

    @Test func withoutCountVerbsNothingIsReadAndTheResetClearsThem() {
        var quiet = Relay()
        #expect(!quiet.core.needsBytes)
        _ = quiet.up("REGISTER 3 5000", at: at(0))
        #expect(quiet.core.stats.up.verbs.total == 0 && quiet.core.stats.up.received == 1)

        var counting = Relay(countVerbs: true)
        _ = counting.up("REGISTER 3 5000", at: at(0))
        var effects: [RelayEffect<Endpoint>] = []
        #expect(counting.core.control(.resetCounters, now: at(1), into: &effects))
        #expect(counting.core.stats.up.verbs.total == 0)
    }
}
