import Foundation
import Testing
import UDPChatReports
@testable import UDPChatScenario

/// `scenario run --html` and the JSON report's run info.
struct ScenarioReportTests {
    static func reports() throws -> [ScenarioReport] {
        let passing = SimRunner.run(try ScenarioFiles.load(scenariosFolder + "/lost-msg.yaml"))
        // The same run judged against a wrong expectation fails (line 34: the resent check).
        var failing = SimRunner.run(try ScenarioFiles.load(scenariosFolder + "/lost-ack.yaml"))
        failing.checks[1].passed = false
        failing.checks[1].observed = "re-sent 0 times"
        return [passing, failing]
    }

    @Test func htmlHasTalliesFailuresFirstRulesAndADiagramPerRun() throws {
        let reports = try Self.reports()
        #expect(reports[0].passed && !reports[1].passed)
        let html = ScenarioHTML.render(reports, run: RunInfo(timestamp: "2026-01-02T03:04:05Z", seed: nil, command: ["udpchat", "scenario", "run"]))
        let tallies = try #require(html.range(of: "<div class=\"tallies\">"))
        #expect(tallies.lowerBound < html.range(of: "<table>")!.lowerBound)
        #expect(html.contains("<b>1</b>FAIL") && html.contains("<b>1</b>PASS") && html.contains("<b>1</b>failed checks"))
        // The failing run comes first, in the table and in the sections.
        let failingRow = try #require(html.range(of: "href=\"#run-1\""))
        #expect(failingRow.lowerBound < html.range(of: "href=\"#run-0\"")!.lowerBound)
        #expect(html.range(of: "<section id=\"run-1\"")!.lowerBound < html.range(of: "<section id=\"run-0\"")!.lowerBound)
        // A sequence diagram per run with the parties' lanes, the dropped MSG and the consoles.
        #expect(html.components(separatedBy: "<svg").count == 3)
        #expect(html.contains(">alice</text>") && html.contains(">bob</text>") && html.contains("[dropped"))
        #expect(html.contains("▸ bob: [1] this one gets lost once"))
        // Failed checks show their rules (a re-sent MSG: MSG-2, TIME-2/3); passing checks are folded.
        #expect(html.contains("href=\"#rule-MSG-2\"") && html.contains("id=\"rule-TIME-2\""))
        #expect(html.contains("passed checks</summary>"))
        #expect(html.contains("<code>udpchat scenario run</code>"))
    }

    @Test func jsonCarriesRunInfoAndRules() throws {
        let run = RunInfo(timestamp: "2026-01-02T03:04:05Z", seed: 9, command: ["udpchat", "scenario", "run", "--seed", "9"])
        let text = ScenarioReports.json(try Self.reports(), run: run)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["tool"] as? String == "udpchat" && json["version"] as? String == RunInfo.version)
        #expect(json["timestamp"] as? String == "2026-01-02T03:04:05Z" && json["seed"] as? Int == 9)
        #expect(json["command"] as? [String] == run.command)
        let runs = try #require(json["runs"] as? [[String: Any]])
        let checks = try #require(runs[0]["checks"] as? [[String: Any]])
        #expect(checks.contains { ($0["rules"] as? [String]) == ["MSG-2", "TIME-2", "TIME-3"] })
        #expect(runs[0]["seed"] != nil)
    }

    @Test func expectationKindsMapToProtocolRules() {
        for rules in [ScenarioRules.rules(for: .dedup(at: "bob", from: "alice", seq: 1)), ScenarioRules.rules(for: .left("alice")),
                      ScenarioRules.rules(for: .terminated(by: "a", peer: "b"))] {
            #expect(!rules.isEmpty)
            for id in rules { #expect(ProtocolRules.rule(id) != nil, "\(id)") }
        }
    }
}
