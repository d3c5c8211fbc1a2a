import Testing
@testable import UDPChatGrader

@Suite struct SelectionTests {
    @Test func timingBands() {
        #expect(Timing.grade(interval: .milliseconds(10_200), rto: .seconds(10)) == .strict)
        guard case .lenient = Timing.grade(interval: .seconds(14), rto: .seconds(10)) else { Issue.record("14 s should be lenient"); return }
        guard case .failing = Timing.grade(interval: .seconds(25), rto: .seconds(10)) else { Issue.record("25 s should fail"); return }
        guard case .failing = Timing.grade(interval: .seconds(2), rto: .seconds(10)) else { Issue.record("2 s should fail"); return }
    }

    @Test func globs() {
        #expect(globMatch("S-LEAVE*", "S-LEAVE-REPEAT"))
        #expect(globMatch("c-msg-*", "C-MSG-DEDUP"))
        #expect(!globMatch("S-LEAVE", "S-LEAVE-REPEAT"))
        #expect(Grader.select(role: .server, cases: ["S-LEAVE*"], skip: ["*-REPEAT"]).map(\.id) == ["S-LEAVE", "S-LEAVE-NOT-OWNER"])
    }

    @Test func repeatedRunsAggregate() {
        #expect(Grader.aggregate([(.pass, "a"), (.pass, "b")]).0 == .pass)
        #expect(Grader.aggregate([(.pass, "a"), (.lenient, "late")]).0 == .lenient)
        let flaky = Grader.aggregate([(.pass, "ok"), (.fail, "lost"), (.pass, "ok"), (.pass, "ok")])
        #expect(flaky.0 == .flaky)
        #expect(flaky.1.hasPrefix("passed 3 of 4 runs (75%)"))
        #expect(flaky.2 == 1)
        #expect(Verdict.flaky.isFailure && !Verdict.unsupported.isFailure)
    }
}
