import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT

/// Grades the fixtures in the shapes of real submissions (Fixtures/real) whose wire format today's
/// dialect files can describe: each FAILs exactly the cases that name the faults its FAULTS.md
/// lists, and nothing else. (original/, assigned/, tagged/ and routed/ need dialect keys that do not
/// exist yet; their FAULTS.md give the bytes.) Serialized like FixtureGradingTests.
@Suite(.serialized) struct RealFixtureGradingTests {
    static let real = FixtureGradingTests.root.appendingPathComponent("Fixtures/real").path

    /// manifest → the cases its listed faults fail (Fixtures/real/<folder>/FAULTS.md).
    static let listed: [String: Set<String>] = [
        "wordy/server.yaml": ["S-ID-IN-USE"],                                 // fault 1: id taken over
        "wordy/client.yaml": ["C-MSG-DEDUP", "C-LEAVE", "C-LEAVE-RESEND"],    // faults 2 and 3
    ]

    @Test(arguments: ["wordy/server.yaml", "wordy/client.yaml"])
    func failsExactlyTheCasesNamingItsListedFaults(path: String) async throws {
        let manifest = try Manifest.load(path: "\(Self.real)/\(path)")
        var options = GradeOptions()
        options.rto = .milliseconds(600)
        options.jobs = 6   // timing is graded, and the machine is a shared 2-core one
        let report = await Grader.run(manifest: manifest, options: options)
        #expect(report.cases.count == Catalogue.cases(for: GradedRole(manifest.role)).count)
        let expected = Self.listed[path] ?? []
        for result in report.cases {
            if expected.contains(result.id) {
                #expect(result.verdict == .fail, "\(path) \(result.id): a listed fault, but \(result.verdict.rawValue): \(result.detail)")
            } else {
                #expect([.pass, .lenient, .unsupported].contains(result.verdict), "\(path) \(result.id): \(result.verdict.rawValue): \(result.detail)")
            }
        }
    }
}
