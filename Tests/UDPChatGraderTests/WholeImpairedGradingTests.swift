import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT

/// The whole-submission cases that impair the wire through the transparent relay in the case's sandbox
/// (W-RESEND-JOIN, W-DEDUP, W-RESEND-MSG; W-LEAVE's hold): each faulty Python fixture fails the case
/// naming its fault, the correct pair passes. Where the relay cannot run (not root, no iptables, no
/// NFQUEUE) the cases are UNSUPPORTED and the test says so and checks nothing more.
@Suite(.serialized) struct WholeImpairedGradingTests {
    static let faulty = FixtureGradingTests.faulty

    /// Whether `result` is UNSUPPORTED because the relay cannot run here (printed, for the skip).
    static func relayMissing(_ result: CaseResult) -> Bool {
        guard result.verdict == .unsupported, result.detail.contains("transparent relay") else { return false }
        print("\(result.id) not judged: \(result.detail)")
        return true
    }

    static func grade(client: String, cases: [String]) async throws -> [CaseResult]? {
        guard await SandboxTests.plan() != nil else { return nil }
        let whole = try WholeGradingTests.whole("\(faulty)/server-correct.yaml", "\(faulty)/\(client)")
        // RTO 1 s: re-sends are judged 0.5 … 2 RTO apart, and at 0.4 s a 0.5 s stall of the loaded whole
        // pass made a correct re-send late (W-RESEND-LEAVE "re-sent after 0.985 s (2.46 RTO)").
        let report = await WholeGradingTests.grade(whole, cases: cases, rto: .seconds(1))
        return report.cases.contains(where: relayMissing) ? nil : report.cases
    }

    @Test func theCorrectPairPassesTheImpairedCases() async throws {
        guard let results = try await Self.grade(client: "client-correct.yaml", cases: ["W-RESEND-JOIN", "W-DEDUP", "W-RESEND-MSG", "W-LEAVE"]) else { return }
        #expect(results.count == 4)
        for result in results {
            #expect(result.verdict.isConforming, "\(result.id) \(result.verdict.rawValue): \(result.detail)")
        }
        // The relay's decisions are in the case's trace.
        let join = try #require(results.first { $0.id == "W-RESEND-JOIN" })
        #expect(join.events.filter { $0.kind == .dropped }.count == 2)
        let dedup = try #require(results.first { $0.id == "W-DEDUP" })
        #expect(dedup.events.contains { $0.tag == "impairment" && $0.text.contains("duplicated") })
    }

    @Test func aClientThatNeverResendsItsJoinFailsResendJoin() async throws {
        guard let results = try await Self.grade(client: "client-no-register-resend.yaml", cases: ["W-RESEND-JOIN"]) else { return }
        let result = try #require(results.first)
        #expect(result.verdict == .fail, "\(result.detail)")
        #expect(result.detail.contains("never sent again"), "\(result.detail)")
    }

    @Test func aClientThatShowsDuplicatesFailsDedup() async throws {
        guard let results = try await Self.grade(client: "client-no-dedup.yaml", cases: ["W-DEDUP"]) else { return }
        let result = try #require(results.first)
        #expect(result.verdict == .fail, "\(result.detail)")
        #expect(result.detail.contains("a duplicate was displayed again"), "\(result.detail)")
    }

    @Test func aClientThatNeverResendsAMessageFailsResendMessage() async throws {
        guard let results = try await Self.grade(client: "client-no-msg-resend.yaml", cases: ["W-RESEND-MSG"]) else { return }
        let result = try #require(results.first)
        #expect(result.verdict == .fail, "\(result.detail)")
        #expect(result.detail.contains("never sent again"), "\(result.detail)")
    }
}

/// What the re-send judgement compares, with no program run.
struct WholeResendTests {
    @Test func aResendIsTheSameBytesOrDiffersOnlyInItsNumbers() {
        #expect(WholeCases.isResend(of: Array("REGISTER 21 4000".utf8), Array("REGISTER 21 4000".utf8)))
        #expect(WholeCases.isResend(of: Array("PKT 0 REG 5".utf8), Array("PKT 17 REG 5".utf8)))
        #expect(!WholeCases.isResend(of: Array("REGISTER 21 4000".utf8), Array("LOOKUP 22".utf8)))
        #expect(!WholeCases.isResend(of: Array("MSG 1 hi".utf8), Array("MSG 1 ho".utf8)))
    }
}
