import Foundation
import Testing
import UDPChatIUT
@testable import UDPChatScenario
import UDPChatWire

/// Live scenarios whose manifests name a dialect (issue 11): every reference party of the run speaks
/// it, and the checks judge the dialect's messages on their fields. The Python fixtures of
/// Fixtures/dialects/iut: the colon client asks for its id on standard input (`input.start`) and chats
/// from a second socket; the JSON server answers in JSON objects.
@Suite struct LiveDialectTests {
    static let colon = scenariosFolder + "/third-party/colon-client-lost-ack.yaml"
    static let json = scenariosFolder + "/third-party/json-server-lost-replies.yaml"
    static let iut = URL(fileURLWithPath: scenariosFolder).deletingLastPathComponent().path + "/Fixtures/dialects/iut"

    /// Passed when judged with the test machine's clock allowance (`LiveTests.checks`).
    static func passed(_ report: ScenarioReport) -> Bool { report.observation != nil && LiveTests.checks(report).allSatisfy(\.passed) }

    static func explain(_ report: ScenarioReport) -> Comment {
        Comment(rawValue: report.skipped ?? ScenarioReports.text(report))
    }

    @Test(arguments: [colon, json]) func dialectScenarioPassesLive(path: String) async throws {
        let scenario = try ScenarioFiles.load(path)
        #expect(SimRunner.run(scenario).skipped != nil, "a manifest makes it live only")
        let report = await LiveRunner.run(scenario, rto: .milliseconds(250))
        #expect(report.skipped == nil && Self.passed(report), Self.explain(report))
        // The proxies read the dialect: its datagrams are in the trace as the contract's verbs.
        let verbs = Set(report.observation?.trace.compactMap { $0.message?.verb } ?? [])
        #expect(verbs.isSuperset(of: [.register, .registered, .lookup, .peer, .connect, .accept, .msg, .ack, .terminate, .terminated, .leave, .left]),
                "\(verbs)")
    }

    @Test func theirDialectIsTheRunsDialect() throws {
        let colon = try LiveRunner.manifests(for: ScenarioFiles.load(Self.colon))
        #expect(try LiveRunner.dialect(of: colon).name == "colon-chat")
        #expect(try LiveRunner.dialect(of: LiveRunner.manifests(for: ScenarioFiles.load(Self.json))).name == "json-chat")
        #expect(try LiveRunner.dialect(of: [:]).isDefault)
    }

    @Test func aFaultyDialectClientFailsTheCheckNamedForItsFault() async throws {
        let yaml = try String(contentsOfFile: Self.colon, encoding: .utf8).replacingOccurrences(of: "colon-client-correct", with: "colon-client-no-dedup")
        let scenario = try ScenarioLoader.load(yaml: yaml, path: Self.colon)
        let report = await LiveRunner.run(scenario, rto: .milliseconds(250))
        #expect(report.skipped == nil && !report.passed, Self.explain(report))
        let checks = LiveTests.checks(report)
        let failed = Set(checks.filter { !$0.passed }.map(\.title))
        #expect(failed.contains("dedup: MSG 1 from alice at bob") && failed.contains("dedup: MSG 2 from alice at bob"), "\(failed)")
        // Everything else the fault does not touch still holds.
        for title in ["re-sent MSG seq=1 from=alice", "terminated by alice, acknowledged by bob", "alice left", "bob left"] {
            #expect(checks.contains { $0.title == title && $0.passed }, "\(title): \(Self.explain(report))")
        }
    }

    @Test func manifestsOfDifferentDialectsSkipTheRun() async throws {
        var yaml = try String(contentsOfFile: Self.json, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "  - name: bob\n    id: 2\n", with: "  - name: bob\n    id: 2\n    manifest: \(Self.iut)/colon-client-correct.yaml\n")
        let scenario = try ScenarioLoader.load(yaml: yaml, path: Self.json)
        let report = await LiveRunner.run(scenario, rto: .milliseconds(250))
        let reason = try #require(report.skipped)
        #expect(reason.contains("bob speaks \(Self.iut.replacingOccurrences(of: "/iut", with: ""))/colon.dialect.yaml"), "\(reason)")
        #expect(reason.contains("json.dialect.yaml") && reason.contains("one wire format"), "\(reason)")
        #expect(report.checks.isEmpty)
    }

    @Test func dialectScenarioPassesInItsSandbox() async throws {
        guard let binary = await LiveSandboxTests.binary() else { return }
        let reports = await LiveRunner.runAll([(try ScenarioFiles.load(Self.colon), 1), (try ScenarioFiles.load(Self.json), 1)], jobs: 2,
                                              rto: .milliseconds(250), sandbox: SandboxPlan(worker: [binary, "scenario-worker"]))
        for report in reports { #expect(report.skipped == nil && Self.passed(report), Self.explain(report)) }
        #expect(reports.count == 2)
    }
}
