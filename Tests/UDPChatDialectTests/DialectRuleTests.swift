import Testing
import UDPChatDialect
import UDPChatImpairment
import UDPChatSupport
import UDPChatWire

/// The proxy's rules under a dialect (`udpchat proxy --dialect FILE`): `verb=`, `seq=`, `id=`
/// match the dialect's datagrams by the contract's names.
@Suite struct DialectRuleTests {
    @Test func rulesMatchColonDatagramsByTheContractsVerbsAndFields() throws {
        let colon = try Dialect.load(Samples.dialect("colon"))
        var config = ImpairmentConfig()
        config.rules = [try Rule.parse("drop verb=MSG seq=2"), try Rule.parse("drop verb=TERMINATED")]
        config.reader = MessageReader(name: colon.name) { try? colon.parse($0) }
        var engine = ImpairmentEngine(config: config, seed: 1, origin: Instant(nanoseconds: 0))
        func dropped(_ text: String) -> Bool {
            let decisions = engine.process(Datagram(bytes: Array(text.utf8), direction: .up), now: Instant(nanoseconds: 0))
            return decisions.allSatisfy { if case .drop = $0 { true } else { false } } && !decisions.isEmpty
        }
        #expect(!dropped("CHAT:3:1:hi"))
        #expect(dropped("CHAT:3:2:hi"))
        #expect(!dropped("ACK:3:2"))
        #expect(dropped("ACK_TERMINATE:3"))
        #expect(!dropped("MSG 1 3 2 hi"))  // the contract's format is not this dialect
        #expect(engine.counters.rules.map(\.acted) == [1, 1])

        // Without the reader, the same rules see nothing they know.
        var plain = ImpairmentEngine(config: { var c = config; c.reader = .contract; return c }(), seed: 1, origin: Instant(nanoseconds: 0))
        #expect(plain.process(Datagram(bytes: Array("CHAT:3:2:hi".utf8), direction: .up), now: Instant(nanoseconds: 0)).allSatisfy {
            if case .drop = $0 { false } else { true }
        })
    }

    @Test func rulesThatCanNeverMatchAreNamedWithTheReason() throws {
        let colon = try Dialect.load(Samples.dialect("colon"))
        func why(_ rule: String, _ dialect: Dialect) throws -> String? { try Rule.parse(rule).neverMatches(in: dialect) }
        #expect(try why("drop verb=ERROR", colon) == "dialect colon-chat has no ERROR")
        #expect(try why("drop conn=5", colon) == "no message of dialect colon-chat carries {conn}")
        #expect(try why("drop verb=REGISTER seq=1", .default) == "no REGISTER of dialect default carries {seq}")
        #expect(try why("drop verb=MSG,ACK seq=2", colon) == nil)
        #expect(try why("drop verb=CONNECT conn=7", .default) == nil)
        #expect(try why("drop dir=up nth=1", colon) == nil, "a rule that reads no payload matches anything")
        // The shapes of real submissions: an id-less answer has no {id} for `id=` to compare; a bit stands for {seq}.
        let tagged = try Dialect.load(Samples.dialect("tagged"))
        #expect(try why("drop verb=LEFT id=3", tagged) == "no LEFT of dialect tagged-chat carries {id}")
        #expect(try why("drop verb=MSG seq=2", tagged) == nil)
    }
}
