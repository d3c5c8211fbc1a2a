import Testing
import UDPChatRelay
import UDPChatSupport

private func us(_ micros: Int64) -> Instant { Instant(nanoseconds: micros * 1000) }

@Suite struct ReleaseTimerTests {
    @Test func untilItHasLearnedTheTimerIsSetForTheDeadline() {
        var timer = ReleaseTimer()
        #expect(timer.arm(us(1000), now: us(0)) == .schedule(us(1000)))
        #expect(timer.woke(now: us(1060)) == .fire)
        #expect(timer.lead.lead > .zero, "60 µs late: learned")
        #expect(timer.deadline == nil)
    }

    @Test func aLearnedLatenessSetsTheTimerEarlyAndTheReleaseWaitsForTheDeadline() {
        var timer = ReleaseTimer()
        var deadline = us(1000)
        for _ in 0..<30 {
            guard case .schedule(let wake) = timer.arm(deadline, now: deadline - .milliseconds(1)) else {
                Issue.record("not scheduled")
                return
            }
            // The OS wakes the thread 50 µs after the time asked for.
            let woke = wake + .microseconds(50)
            var action = timer.woke(now: woke)
            var now = woke
            while action == .poll {
                now = now + .microseconds(3)
                action = timer.check(now: now)
            }
            #expect(action == .fire)
            #expect(now >= deadline, "never before the deadline")
            deadline = deadline + .milliseconds(2)
        }
        let lead = timer.lead.lead
        #expect(lead >= .microseconds(50) && lead < .microseconds(60))
        // Armed 50+ µs ahead now: the wake-up comes at the deadline, not 50 µs after it.
        #expect(timer.arm(us(100_000), now: us(99_000)) == .schedule(us(100_000) - lead))
    }

    @Test func whateverTheWakeUpTimesNothingFiresBeforeTheDeadlineLessTheBatch() {
        var random = SplitMix64(seed: 12)
        var timer = ReleaseTimer(batch: .microseconds(2))
        var clock = us(0)
        for _ in 0..<500 {
            let deadline = clock + .microseconds(Int64(random.next() % 3000))
            var action = timer.arm(deadline, now: clock)
            var fired = false
            for _ in 0..<10_000 {
                switch action {
                case .schedule(let wake):
                    // Anything from 50 µs early (a spurious wake-up) to 400 µs late.
                    clock = max(clock, wake + .microseconds(Int64(random.next() % 450) - 50))
                    action = timer.woke(now: clock)
                case .poll:
                    clock = clock + .microseconds(Int64(random.next() % 20))
                    action = timer.check(now: clock)
                case .fire:
                    #expect(clock >= deadline - .microseconds(2))
                    fired = true
                case .none:
                    Issue.record("lost the deadline")
                    fired = true
                }
                if fired { break }
            }
            #expect(fired)
            #expect(timer.lead.lead <= WakeLead.defaultCap)
        }
    }

    @Test func onlyAnEarlierDeadlineReplacesTheArmedOne() {
        var timer = ReleaseTimer()
        #expect(timer.arm(us(5000), now: us(0)) == .schedule(us(5000)))
        #expect(timer.arm(us(6000), now: us(1)) == .none)
        #expect(timer.arm(us(3000), now: us(2)) == .schedule(us(3000)))
        #expect(timer.deadline == us(3000))
    }

    @Test func aDeadlineAlreadyWithinTheLeadIsPolledForNotFiredInsideArm() {
        var timer = ReleaseTimer()
        _ = timer.arm(us(100), now: us(0))
        _ = timer.woke(now: us(180))  // learned: about 80 µs late
        #expect(timer.arm(us(250), now: us(200)) == .poll)
        #expect(timer.check(now: us(240)) == .poll)
        #expect(timer.check(now: us(250)) == .fire)
        // A wake-up of a timer since replaced by polling is ignored.
        #expect(timer.woke(now: us(260)) == .none)
    }

    @Test func cancelForgetsTheDeadline() {
        var timer = ReleaseTimer()
        _ = timer.arm(us(100), now: us(0))
        timer.cancel()
        #expect(timer.woke(now: us(100)) == .none && timer.check(now: us(200)) == .none)
    }
}
