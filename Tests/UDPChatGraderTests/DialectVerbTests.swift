import Foundation
import NIOPosix
import Testing
@testable import UDPChatGrader
import UDPChatDialect
import UDPChatIUT
import UDPChatWire

/// A case that needs a message the dialect lacks is UNSUPPORTED with the reason, never FAIL or a
/// PASS that tested nothing (the field trial: a dialect with only REGISTER, REGISTERED, LOOKUP and
/// CONNECT). Serialized like the other grading suites.
@Suite(.serialized) struct DialectVerbTests {
    static let colon = FixtureGradingTests.root.appendingPathComponent("Fixtures/dialects/colon.dialect.yaml").path

    /// The colon dialect with `verbs` left out.
    static func colonWithout(_ verbs: [String]) throws -> String {
        let text = try String(contentsOfFile: colon, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !verbs.contains { line.trimmingCharacters(in: .whitespaces).hasPrefix("\($0):") } }
            .joined(separator: "\n")
    }

    static func manifest(_ fixture: String, without verbs: [String]) throws -> Manifest {
        var manifest = try Manifest.load(path: "\(DialectGradingTests.iut)/\(fixture).yaml")
        manifest.dialectText = try colonWithout(verbs)
        return manifest
    }

    @Test func missingVerbsNameWhatTheCaseSendsAndWaitsFor() throws {
        let minimal = try Dialect.parse(yaml: """
            dialect: mini
            format: text
            messages:
              REGISTER: "REG:{id}"
              REGISTERED: "LIN:{id}"
              LOOKUP: "REQ:{id}"
              CONNECT: "PTP:{id}"
            """)
        let server = Dictionary(uniqueKeysWithValues: Catalogue.cases(for: .server).map { ($0.id, $0.missingVerbs(in: minimal)) })
        #expect(server["S-LEAVE"] == .some("dialect mini has no LEAVE (the grader sends it) and no LEFT (the evidence the case waits for)"))
        #expect(server["S-LEAVE-REPEAT"]??.contains("has no LEAVE") == true)
        #expect(server["S-LOOKUP-ACTIVE"] == .some("dialect mini has no PEER (the evidence the case waits for)"))
        #expect(server["S-REGISTER"] == .some(nil))
        // Judged on what remains (the REGISTERED answers, no REGISTERED for a refused id, no crash).
        for id in ["S-REGISTER-REPEAT", "S-ID-IN-USE", "S-ADDRESS-IN-USE", "S-CONCURRENT", "S-MALFORMED", "S-TABLE"] { #expect(server[id] == .some(nil), "\(id)") }
        #expect(server["S-NEWLINE"] == .some(nil))
        let client = Dictionary(uniqueKeysWithValues: Catalogue.cases(for: .client).map { ($0.id, $0.missingVerbs(in: minimal)) })
        #expect(client["C-CONNECT"] == .some("dialect mini has no PEER (the grader sends it)"))
        #expect(client["C-INACTIVE"] == .some("dialect mini has no INACTIVE (the grader sends it)"))
        #expect(client["C-LOOKUP"] == .some(nil))
        // The contract has every message: nothing changes for it.
        for item in Catalogue.cases(for: .server) + Catalogue.cases(for: .client) { #expect(item.missingVerbs(in: .default) == nil, "\(item.id)") }
    }

    @Test func aMessageTheDialectCannotWriteStopsTheCaseUnsupported() async throws {
        let dialect = try Dialect.parse(yaml: try Self.colonWithout(["LEAVE"]))
        let trace = Trace()
        let node = try await FakeNode.bind(name: "client-a", group: MultiThreadedEventLoopGroup.singleton, trace: trace, dialect: dialect)
        defer { Task { await node.close() } }
        #expect {
            try node.send(.leave(id: 11), to: node.address)
        } throws: { error in
            guard let stop = error as? CaseStop else { return false }
            return stop.verdict == .unsupported && stop.reason.contains("has no LEAVE")
        }
        #expect(!trace.events.contains { $0.kind == .sent })
        try node.send(.register(id: 11, port: 5000), to: node.address)
        #expect(trace.events.contains { $0.kind == .sent && $0.text.hasPrefix("REGISTER:11") })
    }

    /// The colon server without LEAVE, LEFT and PEER: every case whose evidence needs one of them is
    /// UNSUPPORTED (also S-LOOKUP-UNREGISTERED, which has neither ERROR nor PEER to see); the cases with
    /// evidence left are still judged, and the parts they leave out are noted in the trace.
    @Test func serverCasesNeedingAMissingMessageAreUnsupported() async throws {
        let manifest = try Self.manifest("colon-server-correct", without: ["LEAVE", "LEFT", "PEER"])
        var options = GradeOptions()
        options.rto = .milliseconds(600)
        options.jobs = 6
        let report = await Grader.run(manifest: manifest, options: options)
        let verdicts = Dictionary(uniqueKeysWithValues: report.cases.map { ($0.id, $0) })
        for id in ["S-LEAVE", "S-LEAVE-REPEAT", "S-LEAVE-NOT-OWNER", "S-LOOKUP-ACTIVE", "S-LOOKUP-UNREGISTERED", "S-ADVERTISED-PORT"] {
            #expect(verdicts[id]?.verdict == .unsupported, "\(id): \(verdicts[id]?.verdict.rawValue ?? "-"): \(verdicts[id]?.detail ?? "")")
            #expect(verdicts[id]?.detail.contains("has no") == true || verdicts[id]?.detail.contains("neither") == true, "\(id)")
        }
        #expect(verdicts["S-LOOKUP-UNREGISTERED"]?.detail.contains("neither ERROR nor PEER") == true)
        for id in ["S-REGISTER", "S-REGISTER-REPEAT", "S-LOOKUP-INACTIVE", "S-ADDRESS-IN-USE", "S-ID-IN-USE", "S-CONCURRENT", "S-MALFORMED", "S-NEWLINE"] {
            #expect(verdicts[id]?.verdict == .pass, "\(id): \(verdicts[id]?.verdict.rawValue ?? "-"): \(verdicts[id]?.detail ?? "")")
        }
        #expect(verdicts["S-ID-IN-USE"]?.events.contains { $0.text.contains("has no PEER: that the owner keeps 11 is not checked") } == true)
        #expect(verdicts["S-CONCURRENT"]?.events.contains { $0.text.contains("no LOOKUP phase") } == true)
        let failed = report.hasFailures
        #expect(!failed)
    }

    /// A fault is still found where evidence remains: a server that gives an id away fails S-ID-IN-USE
    /// even when its dialect has neither ERROR nor PEER (no REGISTERED may go to the second address).
    @Test func evidenceThatRemainsStillFails() async throws {
        var manifest = try Self.manifest("colon-server-hijackable", without: ["PEER"])
        manifest.name = "colon-server-hijackable-no-peer"
        let report = await FixtureGradingTests.grade(manifest, cases: ["S-ID-IN-USE"], rto: 0.3)
        #expect(report.cases.first?.verdict == .fail, "\(report.cases.first?.detail ?? "")")
    }

    /// The colon client without PEER and INACTIVE: the grader's server cannot answer LOOKUP, so the
    /// outgoing connection cases and C-INACTIVE are UNSUPPORTED (not FAIL, not a PASS that tested
    /// nothing); C-LOOKUP and the incoming cases are still judged.
    @Test func clientCasesNeedingAMissingMessageAreUnsupported() async throws {
        let manifest = try Self.manifest("colon-client-correct", without: ["PEER", "INACTIVE"])
        let report = await FixtureGradingTests.grade(manifest, cases: ["C-LOOKUP", "C-INACTIVE", "C-CONNECT", "C-CONNECT-ACCEPTED",
                                                                       "C-INCOMING-ACCEPT", "C-MSG-ACK"], rto: 0.6)
        let verdicts = Dictionary(uniqueKeysWithValues: report.cases.map { ($0.id, $0) })
        #expect(verdicts["C-INACTIVE"]?.detail == "dialect colon-chat has no INACTIVE (the grader sends it)")
        #expect(verdicts["C-CONNECT"]?.detail == "dialect colon-chat has no PEER (the grader sends it)")
        for id in ["C-INACTIVE", "C-CONNECT", "C-CONNECT-ACCEPTED"] { #expect(verdicts[id]?.verdict == .unsupported, "\(id)") }
        for id in ["C-LOOKUP", "C-INCOMING-ACCEPT", "C-MSG-ACK"] {
            #expect(verdicts[id]?.verdict == .pass, "\(id): \(verdicts[id]?.verdict.rawValue ?? "-"): \(verdicts[id]?.detail ?? "")")
        }
    }

    /// A set-up step that fails (the client never answers ACCEPT) names the step in every case that
    /// needed it, so the report shows the one root cause; the case checking ACCEPT itself says it plainly.
    @Test func aFailedSetupStepIsNamed() async throws {
        var manifest = try Manifest.load(path: "\(FixtureGradingTests.faulty)/client-correct.yaml")
        manifest.input["accept"] = "not an accept command"
        let report = await FixtureGradingTests.grade(manifest, cases: ["C-INCOMING-ACCEPT", "C-MSG-ACK"], rto: 0.3)
        #expect(report.cases.map(\.verdict) == [.fail, .fail])
        #expect(report.cases[0].detail.hasPrefix("expected"), "\(report.cases[0].detail)")
        #expect(report.cases[1].detail.hasPrefix("setup: accept: expected"), "\(report.cases[1].detail)")
    }

    @Test func aProgramThatCannotStartStopsBeforeTheFirstCase() async throws {
        let manifest = Manifest(name: "ghost", role: .server, command: ["no-such-program-xyz", "--port", "{port}"], workdir: FixtureGradingTests.faulty)
        let report = await FixtureGradingTests.grade(manifest, rto: 0.3)
        #expect(report.cases.count == 1)
        #expect(report.cases.first?.events.isEmpty == true)
        #expect(report.setupError?.contains("no-such-program-xyz") == true)
    }
}
