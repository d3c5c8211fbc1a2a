import Testing
import UDPChatScenario
import UDPChatScript
import UDPChatSimulation

/// Registration liveness: `quiet-client-refreshes.yaml` passes in both modes because its clients
/// refresh; the same scenario with `refresh: off` fails the same way in sim and live — the server
/// proxy's flow expires while the clients are quiet, their LEAVEs come from a new source port and
/// are refused NOT_OWNER (what a NAT does to a client that does not refresh).
@Suite(.serialized) struct RefreshTests {
    static let path = scenariosFolder + "/quiet-client-refreshes.yaml"

    static func withoutRefresh() throws -> Scenario {
        let text = try ScenarioFiles.read(path)
        #expect(text.contains("refresh: 2rto"))
        return try ScenarioLoader.load(yaml: text.replacingOccurrences("refresh: 2rto", "refresh: off"), path: "no-refresh.yaml")
    }

    static func expectRefused(_ report: ScenarioReport) {
        let text = ScenarioReports.text(report)
        #expect(!report.passed, Comment(rawValue: text))
        for party in ["alice", "bob"] {
            let exit = report.observation?.closes[party]?.exit
            #expect(exit.map(ScriptLines.closed) == "(socket closed: refused NOT_OWNER)", Comment(rawValue: "\(party): \(text)"))
            #expect(report.failures.contains { $0.title == "\(party) left" }, Comment(rawValue: text))
        }
    }

    @Test func refreshingClientsLeaveCleanlyInSim() throws {
        let report = SimRunner.run(try ScenarioFiles.load(Self.path))
        #expect(report.passed, Comment(rawValue: ScenarioReports.text(report)))
    }

    @Test func withoutRefreshTheLeaveIsRefusedInSim() throws {
        Self.expectRefused(SimRunner.run(try Self.withoutRefresh()))
    }

    @Test func withoutRefreshTheLeaveIsRefusedLive() async throws {
        Self.expectRefused(await LiveRunner.run(try Self.withoutRefresh()))
    }

    @Test func refreshingClientsLeaveCleanlyLive() async throws {
        let report = await LiveRunner.run(try ScenarioFiles.load(Self.path))
        #expect(report.passed, Comment(rawValue: ScenarioReports.text(report)))
    }
}
