import Testing
import UDPChatRelay
import UDPChatSupport

private func us(_ micros: Int64) -> Instant { Instant(nanoseconds: micros * 1000) }

@Suite struct WakeLeadTests {
    @Test func withoutSamplesTheTimerIsArmedAtTheDeadline() {
        let lead = WakeLead()
        #expect(lead.lead == .zero)
        #expect(lead.wakeTime(for: us(1000)) == us(1000))
    }

    @Test func aSteadyLatenessIsLearnedAndArmedAheadOf() {
        var lead = WakeLead()
        // Every wake-up runs 60 µs after the time it was armed for.
        var armed = us(1000)
        for _ in 0..<50 {
            lead.observe(armed: armed, woke: armed + .microseconds(60))
            armed = armed + .milliseconds(1)
        }
        #expect(lead.mean == 60_000)
        #expect(lead.deviation < 1_000, "a steady lateness has (almost) no deviation")
        let wake = lead.wakeTime(for: us(10_000))
        #expect(wake <= us(10_000 - 60) && wake >= us(10_000 - 61))
    }

    @Test func aScatteredLatenessArmsEarlierThanItsMean() {
        var lead = WakeLead()
        for i in 0..<100 {
            let late: Int64 = i % 2 == 0 ? 20 : 80
            lead.observe(armed: us(Int64(i) * 1000), woke: us(Int64(i) * 1000 + late))
        }
        // Mean about 50 µs, deviation about 30 µs: armed about 80 µs ahead.
        #expect((40_000...60_000).contains(lead.mean))
        #expect(lead.lead > .microseconds(65) && lead.lead < .microseconds(95))
    }

    @Test func theLeadIsCappedAndAnEarlyWakeUpCountsAsOnTime() {
        var lead = WakeLead(cap: .microseconds(100))
        // A busy loop runs its timers milliseconds late: the lead stays within the cap.
        for i in 0..<20 { lead.observe(armed: us(Int64(i) * 10_000), woke: us(Int64(i) * 10_000 + 5_000)) }
        #expect(lead.lead == .microseconds(100))
        var early = WakeLead()
        early.observe(armed: us(1000), woke: us(990))
        #expect(early.lead == .zero)
    }

    @Test func theLeadFollowsALatenessThatDrops() {
        var lead = WakeLead()
        for i in 0..<20 { lead.observe(armed: us(Int64(i) * 1000), woke: us(Int64(i) * 1000 + 150)) }
        for i in 20..<80 { lead.observe(armed: us(Int64(i) * 1000), woke: us(Int64(i) * 1000 + 10)) }
        #expect(lead.lead < .microseconds(15))
    }
}
