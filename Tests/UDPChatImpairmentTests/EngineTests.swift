import Testing
import UDPChatImpairment
import UDPChatSupport
import UDPChatWire

@Suite struct EngineTests {
    @Test func passthroughDeliversAtOnce() throws {
        var engine = ImpairmentEngine(config: ImpairmentConfig(), seed: 1)
        let out = run(&engine, count: 10)
        #expect(out.count == 10)
        #expect(out.allSatisfy { $0.delivery?.delay == .zero && $0.delivery?.bytes == [1, 2, 3, 4] })
        #expect(engine.counters.up.received == 10 && engine.counters.up.delivered == 10)
    }

    @Test func randomLossWithinBinomialBounds() throws {
        var engine = ImpairmentEngine(config: try config([("loss", "up:20%")]), seed: 42)
        let n = 20_000
        let out = run(&engine, count: n)
        let lost = out.filter { $0.dropReason == .loss }.count
        #expect(withinBinomial(lost, n: n, p: 0.2), "lost \(lost)")
        #expect(engine.counters.up.dropped.loss == UInt64(lost))
        #expect(engine.counters.up.received == engine.counters.up.delivered + engine.counters.up.dropped.total)
        // Down is unaffected.
        let down = run(&engine, count: 100, direction: .down)
        #expect(down.allSatisfy { $0.delivery != nil })
    }

    @Test func correlatedLossKeepsRateAndLengthensRuns() throws {
        var engine = ImpairmentEngine(config: try config([("loss", "10%,corr=50%")]), seed: 7)
        let n = 40_000
        let lost = run(&engine, count: n).map { $0.dropReason == .loss }
        let count = lost.filter { $0 }.count
        #expect(abs(Double(count) / Double(n) - 0.1) < 0.02)
        let runs = burstLengths(lost)
        let mean = Double(runs.reduce(0, +)) / Double(runs.count)
        // Expected 1 / ((1 - c)(1 - p)) = 1 / 0.45 ≈ 2.22 (uncorrelated: 1.11).
        #expect(mean > 2.0 && mean < 2.45, "mean run \(mean)")
    }

    @Test func gilbertElliottBurstsAsConfigured() throws {
        var engine = ImpairmentEngine(config: try config([("loss", "ge:p=2%,r=25%")]), seed: 9)
        let lost = run(&engine, count: 50_000).map { $0.dropReason == .loss }
        let bursts = burstLengths(lost)
        let mean = Double(bursts.reduce(0, +)) / Double(bursts.count)
        #expect(abs(mean - 4) < 0.4, "mean burst \(mean), expected 1/r = 4")
        // Stationary loss rate p / (p + r) = 0.02 / 0.27 ≈ 7.4 %.
        let rate = Double(lost.filter { $0 }.count) / Double(lost.count)
        #expect(abs(rate - 0.074) < 0.015, "rate \(rate)")
    }

    @Test func duplicateWithinBinomialBounds() throws {
        var engine = ImpairmentEngine(config: try config([("duplicate", "10%")]), seed: 3)
        let n = 20_000
        let out = run(&engine, count: n)
        let copies = out.filter { $0.delivery?.notes.contains(.duplicate) == true }.count
        #expect(withinBinomial(copies, n: n, p: 0.1))
        #expect(out.count == n + copies)
        #expect(engine.counters.up.duplicated == UInt64(copies))
    }

    @Test func delayJitterStaysFIFOUnlessAllowed() throws {
        for distribution in DelayDistribution.allCases {
            var engine = ImpairmentEngine(
                config: try config([("delay", "50ms"), ("jitter", "20ms"), ("distribution", distribution.rawValue)]), seed: 5)
            let times = run(&engine, count: 2000).compactMap { $0.delivery?.at }
            #expect(times == times.sorted(), "\(distribution) must keep FIFO")
            #expect(times.allSatisfy { $0 >= ms(0) })
            var reorderingEngine = ImpairmentEngine(
                config: try config([("delay", "50ms"), ("jitter", "20ms"), ("distribution", distribution.rawValue), ("jitter-reorder", "true")]),
                seed: 5)
            let free = run(&reorderingEngine, count: 2000).compactMap { $0.delivery?.at }
            #expect(free != free.sorted(), "\(distribution) with jitter-reorder reorders")
        }
        var uniform = ImpairmentEngine(config: try config([("delay", "50ms"), ("jitter", "10ms"), ("jitter-reorder", "true")]), seed: 1)
        let delays = run(&uniform, count: 1000).compactMap { $0.delivery?.delay }
        #expect(delays.allSatisfy { $0 >= .milliseconds(40) && $0 <= .milliseconds(60) })
    }

    @Test func reorderWithoutDelayLetsTheNextOneOvertake() throws {
        var engine = ImpairmentEngine(config: try config([("reorder", "up:50%")]), seed: 11)
        var sent: [UInt8] = []
        var out: [Decision] = []
        for i in 0..<200 {
            engine.process(Datagram(bytes: [UInt8(i)], direction: .up), now: ms(Int64(i)), into: &out)
            sent.append(UInt8(i))
        }
        out += engine.timeout(now: ms(10_000))
        let order = out.compactMap { $0.delivery?.bytes[0] }
        #expect(order.sorted() == sent, "nothing lost or doubled")
        #expect(order != sent, "some overtaken")
        #expect(engine.counters.up.reordered > 40)
        #expect(engine.nextTimeout == nil)
    }

    @Test func reorderHoldTimesOut() throws {
        var engine = ImpairmentEngine(config: try config([("reorder", "100%,hold=30ms")]), seed: 1)
        #expect(engine.process(Datagram(bytes: [1], direction: .up), now: ms(0)).isEmpty)
        #expect(engine.nextTimeout == ms(30))
        #expect(engine.timeout(now: ms(29)).isEmpty)
        let released = engine.timeout(now: ms(30))
        #expect(released.first?.delivery?.notes.contains(.reordered) == true)
        #expect(engine.counters.up.received == engine.counters.up.delivered)
    }

    @Test func corruptAndTruncate() throws {
        var engine = ImpairmentEngine(config: try config([("corrupt", "100%"), ("mtu", "3")]), seed: 1)
        let original: [UInt8] = [0, 0, 0, 0, 0, 0]
        let d = try #require(engine.process(Datagram(bytes: original, direction: .up), now: ms(0)).first?.delivery)
        #expect(d.bytes.count == 3)
        #expect(d.notes.contains(.truncated) && d.notes.contains(.corrupted) && d.notes.modified)
        var corruptOnly = ImpairmentEngine(config: try config([("corrupt", "100%")]), seed: 2)
        for decision in run(&corruptOnly, count: 100, bytes: original) {
            let bytes = try #require(decision.delivery?.bytes)
            #expect(bytes.map(\.nonzeroBitCount).reduce(0, +) == 1, "exactly one bit flipped")
        }
    }

    @Test func rateLimitQueuesAndOverflows() throws {
        // 8000 bit/s = 1000 bytes/s; 100-byte datagrams take 100 ms each; queue of 3.
        var engine = ImpairmentEngine(config: try config([("rate", "8000bit"), ("queue", "3")]), seed: 1)
        var out: [Decision] = []
        for _ in 0..<5 {
            engine.process(Datagram(bytes: Array(repeating: 0, count: 100), direction: .up), now: ms(0), into: &out)
        }
        #expect(out.compactMap { $0.delivery?.at } == [ms(100), ms(200), ms(300)])
        #expect(out.filter { $0.dropReason == .queueOverflow }.count == 2)
        // After the queue drains there is room again.
        let later = engine.process(Datagram(bytes: Array(repeating: 0, count: 100), direction: .up), now: ms(300))
        #expect(later.first?.delivery?.at == ms(400))
        #expect(engine.counters.up.dropped.queueOverflow == 2)
    }

    @Test func blackholeWindowsAndTimeline() throws {
        var c = try config([("blackhole", "up:10ms+5ms")])
        c.timeline = [TimelineEvent(at: .milliseconds(50), setting: .loss(.random(probability: 1, correlation: 0)))]
        var engine = ImpairmentEngine(config: c, seed: 1, origin: ms(0))
        let out = run(&engine, count: 60)
        let reasons = out.map(\.dropReason)
        #expect(reasons[0..<10].allSatisfy { $0 == nil })
        #expect(reasons[10..<15].allSatisfy { $0 == .blackhole })
        #expect(reasons[15..<50].allSatisfy { $0 == nil })
        #expect(reasons[50...].allSatisfy { $0 == .loss })
        #expect(engine.config.up.loss != nil)
    }

    @Test func rulesFirstMatchDecidesAndNthCounts() throws {
        let c = try config([("loss", "100%")], rules: [
            "drop dir=up verb=MSG seq=1 nth=1",
            "duplicate verb=ACCEPT",
            "delay 3s verb=TERMINATED",
            "pass verb=MSG",
        ])
        var engine = ImpairmentEngine(config: c, seed: 1)
        func send(_ m: Message, _ dir: Direction = .up) -> [Decision] {
            engine.process(Datagram(bytes: m.bytes, direction: dir), now: ms(0))
        }
        let msg1 = Message.msg(conn: 5, id: 1, seq: 1, text: "hi")
        #expect(send(msg1).first?.dropReason == .rule)
        // Second MSG seq=1: rule 0's nth no longer holds; rule 3 (pass) wins over the 100 % loss.
        #expect(send(msg1).first?.delivery?.rule == 3)
        #expect(send(.accept(conn: 5, id: 2), .down).count == 2)
        let delayed = send(.terminated(conn: 5, id: 2))
        #expect(delayed.first?.delivery?.delay == .seconds(3))
        // Not chat at all: falls through to the impairments (100 % loss).
        #expect(send(.ack(conn: 5, id: 1, seq: 1)).first?.dropReason == .loss)
        #expect(engine.process(Datagram(bytes: [0xFF, 0], direction: .up), now: ms(0)).first?.dropReason == .loss)
        #expect(engine.counters.rules[0] == RuleCounters(matched: 2, acted: 1))
        #expect(engine.counters.rules[3].matched == 2 && engine.counters.rules[3].acted == 1)
        #expect(engine.counters.up.dropped.rule == 1)
    }

    @Test func ruleProbabilityAndCorrupt() throws {
        var engine = ImpairmentEngine(config: try config([], rules: ["drop p=30%", "corrupt dir=down"]), seed: 8)
        let n = 5000
        let dropped = run(&engine, count: n).filter { $0.dropReason == .rule }.count
        #expect(withinBinomial(dropped, n: n, p: 0.3))
        let down = run(&engine, count: 10, direction: .down, bytes: [0, 0])
        #expect(down.allSatisfy { $0.dropReason == .rule || $0.delivery?.notes.contains(.corrupted) == true })
    }

    @Test func sameSeedSameDecisionsDifferentSeedDifferent() throws {
        let c = try config([
            ("loss", "ge:p=5%,r=30%,h=10%"), ("delay", "20ms"), ("jitter", "15ms"), ("distribution", "pareto"),
            ("duplicate", "5%"), ("reorder", "5%"), ("corrupt", "2%"),
        ], rules: ["drop verb=MSG p=10%"])
        func decisions(seed: UInt64) -> [Decision] {
            var engine = ImpairmentEngine(config: c, seed: seed)
            var out: [Decision] = []
            for i in 0..<3000 {
                let m = Message.msg(conn: 9, id: 1, seq: UInt32(i + 1), text: "x")
                engine.process(Datagram(bytes: m.bytes, direction: i % 3 == 0 ? .down : .up), now: ms(Int64(i)), into: &out)
            }
            return out
        }
        #expect(decisions(seed: 99) == decisions(seed: 99))
        #expect(decisions(seed: 99) != decisions(seed: 100))
    }

    @Test func addingAnImpairmentDoesNotShiftAnother() throws {
        var a = ImpairmentEngine(config: try config([("loss", "30%")]), seed: 4)
        var b = ImpairmentEngine(config: try config([("loss", "30%"), ("duplicate", "50%")]), seed: 4)
        let lostA = run(&a, count: 1000).map { $0.dropReason == .loss }
        var lostB: [Bool] = []
        for i in 0..<1000 {
            let out = b.process(Datagram(bytes: [1], direction: .up), now: ms(Int64(i)))
            lostB.append(out.first?.dropReason == .loss)
        }
        #expect(lostA == lostB)
    }
}

func burstLengths(_ lost: [Bool]) -> [Int] {
    var runs: [Int] = []
    var current = 0
    for l in lost {
        if l { current += 1 } else if current > 0 { runs.append(current); current = 0 }
    }
    if current > 0 { runs.append(current) }
    return runs
}
