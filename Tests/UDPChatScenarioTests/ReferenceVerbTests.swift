import Foundation
import Testing
import UDPChatDialect
@testable import UDPChatScenario

/// A live scenario whose reference parties need a message the manifests' dialect lacks is warned
/// about by `scenario validate` and SKIPped at once by `scenario run`, with the reason (issue 16:
/// such a run used to wait until its timeout and FAIL "stuck at wait-for registered").
@Suite struct ReferenceVerbTests {
    /// alice is udpchat's own client; bob is the colon client in the quiet dialect (no REGISTERED).
    static func scenario(bobDialect: String) throws -> Scenario {
        let manifest = scenariosFolder + "/../Fixtures/dialects/iut/\(bobDialect)-client-correct.yaml"
        return try ScenarioLoader.load(yaml: """
            name: reference-verbs
            modes: [live]
            clients:
              - name: alice
                id: 1
                script: [wait-for: registered, send: hi, quit]
              - name: bob
                id: 2
                manifest: \(manifest)
                script: [quit]
            expect:
              - left: alice
            """, path: scenariosFolder + "/t.yaml")
    }

    @Test func theGapsNameTheReferencePartyAndTheMessage() throws {
        let quiet = try Self.scenario(bobDialect: "quiet")
        #expect(quiet.referenceVerbWarnings == [
            "live: reference client alice needs REGISTERED (to register), which dialect quiet-chat lacks: a live run SKIPs",
        ])
        // A reference party that sends needs MSG and ACK; the contract and a complete dialect have no gaps.
        let bare = try Dialect.parse(yaml: """
            dialect: bare
            format: text
            messages:
              REGISTER: "REG:{id}"
              REGISTERED: "OK:{id}"
            """)
        #expect(quiet.referenceVerbGaps(in: bare) == ["reference client alice needs MSG (send 'hi'), ACK (send 'hi'), LEAVE (quit), which dialect bare lacks"])
        #expect(quiet.referenceVerbGaps(in: .default).isEmpty)
        #expect(try Self.scenario(bobDialect: "colon").referenceVerbWarnings.isEmpty)
    }

    @Test func aLiveRunSkipsAtOnceWithTheReason() async throws {
        let started = ContinuousClock.now
        let report = await LiveRunner.run(try Self.scenario(bobDialect: "quiet"), rto: .milliseconds(300))
        #expect(report.skipped?.contains("reference client alice needs REGISTERED") == true, "\(report.skipped ?? "ran")")
        #expect(report.checks.isEmpty)
        #expect(ContinuousClock.now - started < .seconds(30), "skipped before anything started")
    }
}
