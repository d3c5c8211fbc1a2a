import Testing
import UDPChatImpairment
import UDPChatSupport

/// netem's vocabulary: correlation, reorder gap, 4-state loss, slot, limit. Every statistical
/// check runs on a fixed seed (deterministic) with a tolerance of several standard errors.
@Suite struct NetemVocabularyTests {
    @Test func parsesNetemSpellingAndKeyValueSpelling() throws {
        #expect(try Setting.parse(key: "jitter", value: "10ms,corr=25%") == .jitter(.milliseconds(10), correlation: 0.25))
        #expect(try Setting.parse(key: "jitter", value: "10ms 25%") == .jitter(.milliseconds(10), correlation: 0.25))
        #expect(try Setting.parse(key: "duplicate", value: "5% 25%") == .duplicate(0.05, correlation: 0.25))
        #expect(try Setting.parse(key: "corrupt", value: "1%,corr=50%") == .corrupt(0.01, correlation: 0.5))
        #expect(try Setting.parse(key: "reorder", value: "25% 50% gap 5")
            == .reorder(ReorderSpec(probability: 0.25, correlation: 0.5, gap: 5)))
        #expect(try Setting.parse(key: "reorder", value: "25%,gap=5,hold=20ms")
            == .reorder(ReorderSpec(probability: 0.25, hold: .milliseconds(20), gap: 5)))
        #expect(try LossModel.parse("state 1% 30% 10% 50% 0.1%")
            == .fourState(p13: 0.01, p31: 0.3, p32: 0.1, p23: 0.5, p14: 0.001))
        // tc's defaults: p31 = 1 − p13, p32 = 0, p23 = 100 %, p14 = 0.
        #expect(try LossModel.parse("state:p13=2%") == .fourState(p13: 0.02, p31: 0.98, p32: 0, p23: 1, p14: 0))
        #expect(try Setting.parse(key: "slot", value: "10ms 20ms packets 3 bytes 1500")
            == .slot(SlotSpec(min: .milliseconds(10), max: .milliseconds(20), packets: 3, bytes: 1500)))
        #expect(try Setting.parse(key: "slot", value: "5ms,packets=2") == .slot(SlotSpec(min: .milliseconds(5), packets: 2)))
        #expect(try Setting.parse(key: "limit", value: "100") == .limit(100))
        #expect(try Setting.parse(key: "limit", value: "off") == .limit(nil))
    }

    @Test func rejectsWithTheOffendingToken() {
        #expect(throws: ImpairmentParseError.self) { try Setting.parse(key: "slot", value: "0ms") }
        #expect(throws: ImpairmentParseError.self) { try Setting.parse(key: "slot", value: "20ms 10ms") }
        #expect(throws: ImpairmentParseError.self) { try Setting.parse(key: "slot", value: "10ms packets") }
        #expect(throws: ImpairmentParseError.self) { try LossModel.parse("state p31=10%") }
        #expect(throws: ImpairmentParseError.self) { try LossModel.parse("state 60% 10% 10% 10% 50%") }
        #expect(throws: ImpairmentParseError.self) { try Setting.parse(key: "reorder", value: "10%,gap=0") }
        do {
            _ = try Setting.parse(key: "duplicate", value: "5%,bogus=1")
            Issue.record("accepted")
        } catch {
            #expect(error.token == "bogus=1")
        }
    }

    @Test func everyValueTextParsesBackToTheSameSetting() throws {
        let settings: [Setting] = [
            .loss(.fourState(p13: 0.01, p31: 0.3, p32: 0.1, p23: 0.5, p14: 0.001)), .loss(.random(probability: 0.1, correlation: 0.25)),
            .loss(nil), .delay(.milliseconds(50)), .jitter(.milliseconds(10), correlation: 0.25), .duplicate(0.05, correlation: 0.5),
            .corrupt(0.01), .reorder(ReorderSpec(probability: 0.25, hold: .milliseconds(20), correlation: 0.5, gap: 5)), .reorder(nil),
            .slot(SlotSpec(min: .milliseconds(10), max: .milliseconds(20), packets: 3, bytes: 1500)), .slot(nil), .limit(7), .limit(nil),
            .rate(1_000_000), .queue(10), .mtu(500), .distribution(.normal), .jitterReorders(true),
        ]
        for setting in settings {
            #expect(try Setting.parse(key: setting.key, value: setting.valueText) == setting, "\(setting.key) \(setting.valueText)")
        }
    }
}

@Suite struct NetemCorrelationTests {
    /// Reproduces netem's `get_crandom`: (1 − ρ)·U + ρ·last, `last` starting from a draw.
    @Test func duplicateCorrelationIsNetemsFormulaExactly() throws {
        let rho = 0.6, p = 0.3, seed: UInt64 = 5
        var engine = ImpairmentEngine(config: try config([("duplicate", "up:30%,corr=60%")]), seed: seed)
        let duplicated = duplicatedFlags(run(&engine, count: 2000))
        var reference = SplitMix64.stream(seed: seed, label: "up/duplicate")
        var last = reference.nextUnit()
        var expected: [Bool] = []
        for _ in 0..<2000 {
            last = (1 - rho) * reference.nextUnit() + rho * last
            expected.append(last < p)
        }
        #expect(duplicated == expected)
    }

    @Test func correlationRaisesTheConditionalProbability() throws {
        for (key, event) in [("duplicate", \Decision.isDuplicateCopy), ("corrupt", \Decision.isCorrupted)] {
            let (plainRate, plainConditional) = try conditional(key: key, value: "30%", event: event)
            let (rate, conditional) = try conditional(key: key, value: "30% 75%", event: event)
            // Uncorrelated: P(event | previous event) = P(event) = 30 % (n = 40,000: SE ≈ 0.005).
            #expect(abs(plainRate - 0.3) < 0.02 && abs(plainConditional - 0.3) < 0.03, "\(key) \(plainRate) \(plainConditional)")
            // netem's averaging: the next draw leans on the previous one, so a duplicate is far
            // likelier after a duplicate, and (p < 50 %) the overall rate drops below p.
            #expect(conditional > rate + 0.2, "\(key) rate \(rate) conditional \(conditional)")
            #expect(rate < 0.27, "\(key) rate \(rate)")
        }
    }

    @Test func delayCorrelationIsTheLagOneAutocorrelation() throws {
        for (value, rho) in [("10ms", 0.0), ("10ms,corr=50%", 0.5), ("10ms 90%", 0.9)] {
            var engine = ImpairmentEngine(
                config: try config([("delay", "100ms"), ("jitter", value), ("jitter-reorder", "true")]), seed: 3)
            let delays = run(&engine, count: 20_000).compactMap { $0.delivery.map { Double($0.delay.nanoseconds) / 1e6 } }
            let mean = delays.reduce(0, +) / Double(delays.count)
            let variance = delays.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(delays.count)
            var lag = 0.0
            for i in 1..<delays.count { lag += (delays[i] - mean) * (delays[i - 1] - mean) }
            let autocorrelation = lag / Double(delays.count - 1) / variance
            #expect(abs(autocorrelation - rho) < 0.04, "corr \(rho): lag-1 autocorrelation \(autocorrelation)")
            #expect(abs(mean - 100) < 0.3, "mean \(mean)")
            // Var((2X − 1)·j) with X = netem's average: j²·(1 − ρ) / (3·(1 + ρ)).
            let expected = 100 * (1 - rho) / (3 * (1 + rho))
            #expect(abs(variance / expected - 1) < 0.15, "variance \(variance) expected \(expected)")
        }
    }

    @Test func normalJitterWithCorrelationKeepsItsSpread() throws {
        var engine = ImpairmentEngine(
            config: try config([("delay", "100ms"), ("jitter", "10ms,corr=30%"), ("distribution", "normal"), ("jitter-reorder", "true")]), seed: 9)
        let delays = run(&engine, count: 20_000).compactMap { $0.delivery.map { Double($0.delay.nanoseconds) / 1e6 } }
        let mean = delays.reduce(0, +) / Double(delays.count)
        #expect(abs(mean - 100) < 0.5, "mean \(mean)")
        #expect(delays.contains { $0 < 90 } && delays.contains { $0 > 110 })
    }

    private func duplicatedFlags(_ decisions: [Decision]) -> [Bool] {
        var flags: [Bool] = []
        for decision in decisions {
            if decision.isDuplicateCopy { flags[flags.count - 1] = true } else { flags.append(false) }
        }
        return flags
    }

    /// (P(event), P(event | the previous datagram had it)) over 40,000 datagrams.
    private func conditional(key: String, value: String, event: KeyPath<Decision, Bool>) throws -> (Double, Double) {
        var engine = ImpairmentEngine(config: try config([(key, value)]), seed: 21)
        var flags: [Bool] = []
        for decision in run(&engine, count: 40_000) {
            if decision.isDuplicateCopy { flags[flags.count - 1] = true } else { flags.append(decision[keyPath: event]) }
        }
        let rate = Double(flags.filter { $0 }.count) / Double(flags.count)
        var after = 0, both = 0
        for i in 1..<flags.count where flags[i - 1] {
            after += 1
            if flags[i] { both += 1 }
        }
        return (rate, Double(both) / Double(after))
    }
}

@Suite struct NetemModelTests {
    @Test func fourStateLossMatchesTheStationaryDistribution() throws {
        let (p13, p31, p32, p23, p14) = (0.05, 0.3, 0.2, 0.4, 0.02)
        var engine = ImpairmentEngine(config: try config([("loss", "state 5% 30% 20% 40% 2%")]), seed: 17)
        let n = 200_000
        let lost = run(&engine, count: n).filter { $0.dropReason == .loss }.count
        // Stationary distribution of netem's chain by power iteration.
        var pi = [0.25, 0.25, 0.25, 0.25]
        for _ in 0..<5000 {
            pi = [
                pi[0] * (1 - p13 - p14) + pi[2] * p31 + pi[3],
                pi[1] * (1 - p23) + pi[2] * p32,
                pi[0] * p13 + pi[1] * p23 + pi[2] * (1 - p31 - p32),
                pi[0] * p14,
            ]
        }
        let expected = pi[2] + pi[3]
        #expect(abs(Double(lost) / Double(n) - expected) < 0.01, "lost \(Double(lost) / Double(n)) expected \(expected)")
    }

    @Test func fourStateIsolatedLossesNeverComeTwice() throws {
        var engine = ImpairmentEngine(config: try config([("loss", "state:p13=0%,p14=10%")]), seed: 4)
        let lost = run(&engine, count: 50_000).map { $0.dropReason == .loss }
        #expect(!zip(lost, lost.dropFirst()).contains { $0 && $1 })
        // From 1 to 4 with p14, then back: the loss rate is p14 / (1 + p14).
        let rate = Double(lost.filter { $0 }.count) / Double(lost.count)
        #expect(abs(rate - 0.1 / 1.1) < 0.01, "rate \(rate)")
    }

    @Test func gapReordersEveryNthDatagram() throws {
        var engine = ImpairmentEngine(config: try config([("reorder", "up:100%,gap=5")]), seed: 1)
        let out = run(&engine, count: 50)
        let reordered = out.compactMap { $0.delivery }.filter { $0.notes.contains(.reordered) }.map(\.serial)
        #expect(reordered == [4, 9, 14, 19, 24, 29, 34, 39, 44])
        // Each held one leaves right after the next datagram: 5 overtakes 4, and so on.
        let order = out.compactMap { $0.delivery?.serial }
        #expect(Array(order.prefix(7)) == [0, 1, 2, 3, 5, 4, 6])
    }

    @Test func gapWithProbabilityKeepsTheMinimumDistance() throws {
        var engine = ImpairmentEngine(config: try config([("reorder", "up:50%,gap=3")]), seed: 2)
        let out = run(&engine, count: 40_000)
        let serials = out.compactMap { $0.delivery }.filter { $0.notes.contains(.reordered) }.map(\.serial).sorted()
        #expect(zip(serials, serials.dropFirst()).allSatisfy { $1 - $0 >= 3 })
        // Distance between reorders: gap − 1 plus a geometric(p) number of tries, mean 2 + 2 = 4.
        let meanDistance = Double(serials.last! - serials.first!) / Double(serials.count - 1)
        #expect(abs(meanDistance - 4) < 0.15, "mean distance \(meanDistance)")
    }

    @Test func slotReleasesInBurstsAtSlotBoundaries() throws {
        var engine = ImpairmentEngine(config: try config([("slot", "up:10ms packets 3")]), seed: 1)
        var out: [Decision] = []
        for _ in 0..<10 { engine.process(Datagram(bytes: [1], direction: .up), now: ms(0), into: &out) }
        #expect(out.compactMap { $0.delivery?.at } == [10, 10, 10, 20, 20, 20, 30, 30, 30, 40].map { ms($0) })
        #expect(out.allSatisfy { $0.delivery?.notes.contains(.delayed) == true })

        // Trickling in: each slot carries everything that became ready before its boundary.
        var trickle = ImpairmentEngine(config: try config([("slot", "10ms")]), seed: 1)
        let times = run(&trickle, count: 40).compactMap { $0.delivery?.at }
        #expect(Array(Set(times)).sorted() == [10, 21, 32, 43].map { ms($0) })
    }

    @Test func slotBytesBudgetAndRandomLength() throws {
        var engine = ImpairmentEngine(config: try config([("slot", "up:10ms bytes 250")]), seed: 1)
        var out: [Decision] = []
        for _ in 0..<6 { engine.process(Datagram(bytes: Array(repeating: 0, count: 100), direction: .up), now: ms(0), into: &out) }
        // 100 + 100 + 100 overruns 250 with the third (as netem), then a new slot.
        #expect(out.compactMap { $0.delivery?.at } == [10, 10, 10, 20, 20, 20].map { ms($0) })

        var random = ImpairmentEngine(config: try config([("slot", "up:10ms 20ms packets 1")]), seed: 6)
        var all: [Decision] = []
        for _ in 0..<4000 { random.process(Datagram(bytes: [1], direction: .up), now: ms(0), into: &all) }
        let at = all.compactMap { $0.delivery?.at.nanoseconds }
        let gaps = zip(at.dropFirst(), at).map { Double($0 - $1) / 1e6 }
        #expect(gaps.allSatisfy { $0 >= 10 && $0 <= 20 })
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        // Uniform on [10, 20] ms: mean 15, SE 2.9 / √4000 ≈ 0.05.
        #expect(abs(mean - 15) < 0.25, "mean slot \(mean)")
    }

    @Test func limitDropsPastTheQueueLength() throws {
        var engine = ImpairmentEngine(config: try config([("delay", "up:100ms"), ("limit", "up:5")]), seed: 1)
        let first = run(&engine, count: 10)
        #expect(first.prefix(5).allSatisfy { $0.delivery != nil })
        #expect(first.suffix(5).allSatisfy { $0.dropReason == .queueOverflow })
        #expect(engine.counters.up.dropped.queueOverflow == 5)
        // The first copy leaves at 100 ms: one place frees up.
        let later = engine.process(Datagram(bytes: [1], direction: .up), now: ms(100))
        #expect(later.first?.delivery?.at == ms(200))
        let full = engine.process(Datagram(bytes: [1], direction: .up), now: ms(100))
        #expect(full.first?.dropReason == .queueOverflow)
        // Undelayed datagrams never wait, so they never fill the queue.
        var undelayed = ImpairmentEngine(config: try config([("limit", "1")]), seed: 1)
        #expect(run(&undelayed, count: 100).allSatisfy { $0.delivery != nil })
    }
}

@Suite struct EngineControlTests {
    @Test func aChangeTakesEffectFromTheNextDatagramAndIsRecorded() throws {
        var engine = ImpairmentEngine(config: ImpairmentConfig(), seed: 1)
        #expect(engine.process(Datagram(bytes: [1], direction: .up), now: ms(0)).first?.delivery != nil)
        engine.apply(.set(.loss(.random(probability: 1, correlation: 0)), directions: [.up]), now: ms(1))
        #expect(engine.process(Datagram(bytes: [1], direction: .up), now: ms(2)).first?.dropReason == .loss)
        #expect(engine.process(Datagram(bytes: [1], direction: .down), now: ms(2)).first?.delivery != nil)
        let records = engine.takeControlRecords()
        #expect(records.map { $0.jsonLine(link: "main") }
            == [#"{"t":0.001000,"link":"main","control":"set","dir":["up"],"set":{"loss":"100%"}}"#])
        #expect(engine.takeControlRecords().isEmpty)
    }

    @Test func aTimelineEntryAndTheSameLiveChangeGiveTheSameRecord() throws {
        let setting = try Setting.parse(key: "delay", value: "50ms")
        var timed = ImpairmentConfig()
        timed.timeline = [TimelineEvent(at: .milliseconds(5), directions: [.down], setting: setting)]
        var a = ImpairmentEngine(config: timed, seed: 1, origin: ms(0))
        _ = a.process(Datagram(bytes: [1], direction: .up), now: ms(5))
        var b = ImpairmentEngine(config: ImpairmentConfig(), seed: 1, origin: ms(0))
        b.apply(.set(setting, directions: [.down]), now: ms(5))
        let lineA = a.takeControlRecords().map { $0.jsonLine(link: "l") }
        #expect(lineA == b.takeControlRecords().map { $0.jsonLine(link: "l") })
        #expect(lineA == [#"{"t":0.005000,"link":"l","control":"set","dir":["down"],"set":{"delay":"50ms"}}"#])
        #expect(a.config.down.delay == b.config.down.delay)
    }

    @Test func addingAndRemovingRulesKeepsOtherRulesDecisions() throws {
        let base = try config([], rules: ["drop p=50%"])
        var plain = ImpairmentEngine(config: base, seed: 3)
        var changed = ImpairmentEngine(config: base, seed: 3)
        changed.apply(.addRule(try Rule.parse("duplicate verb=ACCEPT")), now: ms(0))
        #expect(run(&plain, count: 500).map(\.dropReason) == run(&changed, count: 500).map(\.dropReason))
        #expect(changed.ruleTexts == ["drop p=50%", "duplicate verb=ACCEPT"])
        let removed = changed.apply(.removeRule(0), now: ms(600))
        let missing = changed.apply(.removeRule(5), now: ms(600))
        #expect(removed && !missing)
        #expect(changed.ruleTexts == ["duplicate verb=ACCEPT"] && changed.counters.rules.count == 1)
        let lines = changed.takeControlRecords().map { $0.jsonLine(link: "m") }
        #expect(lines == [
            #"{"t":0.000000,"link":"m","control":"add-rule","rule":"duplicate verb=ACCEPT"}"#,
            #"{"t":0.600000,"link":"m","control":"remove-rule","rule":1}"#,
        ])
        #expect(run(&changed, count: 100).allSatisfy { $0.delivery != nil })
    }

    @Test func resetZeroesTheCountersAndRestartsNth() throws {
        var engine = ImpairmentEngine(config: try config([("delay", "2ms")], rules: ["drop nth=1"]), seed: 1)
        let out = run(&engine, count: 10)
        #expect(out.first?.dropReason == .rule)
        #expect(engine.counters.up.received == 10 && engine.counters.up.addedDelay.count == 9)
        #expect(engine.counters.up.addedDelay.counts[4] == 9 && engine.counters.up.addedDelay.sum == .milliseconds(18))
        engine.apply(.resetCounters, now: ms(10))
        #expect(engine.counters.up == DirectionCounters() && engine.counters.rules == [RuleCounters()])
        #expect(engine.process(Datagram(bytes: [1], direction: .up), now: ms(11)).first?.dropReason == .rule)
    }
}

extension Decision {
    var isDuplicateCopy: Bool { delivery?.notes.contains(.duplicate) == true }
    var isCorrupted: Bool { delivery?.notes.contains(.corrupted) == true }
}
