import Foundation
import Testing
import UDPChatIUT
import UDPChatReports
@testable import UDPChatGrader
import UDPChatSupport

/// The grade reports for people and for instructors' tools: HTML, JSON run info, Gradescope, rubric.
struct ReportOutputTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func event(_ time: Double, _ kind: TraceEvent.Kind, _ node: String, _ text: String, tag: String? = nil) -> TraceEvent {
        TraceEvent(time: .seconds(time), kind: kind, node: node, remote: nil, local: nil, text: text, bytes: nil, tag: tag)
    }

    static func result(_ id: String, _ verdict: Verdict, level: Level = .must, probe: Bool = true) -> CaseResult {
        var events: [TraceEvent] = []
        if probe {
            events += [event(0.01, .sent, "probe", "LEAVE 2147480000", tag: "probe"), event(0.02, .received, "probe", "LEFT 2147480000")]
        }
        events += [event(0.1, .sent, "client-1", "REGISTER 1 5000"), event(0.2, .received, "client-1", "REGISTERED 1 5000")]
        if !verdict.isConforming { events.append(event(0.3, .note, "grader", "expected ERROR ID_IN_USE 1", tag: "verdict")) }
        return CaseResult(id: id, section: "Client ↔ server", level: level, title: "title of \(id)", verdict: verdict,
                          detail: verdict == .pass ? "ok" : "expected ERROR ID_IN_USE 1, got REGISTERED 1 5000", duration: .milliseconds(400),
                          runs: 1, passed: verdict.isConforming ? 1 : 0, events: events)
    }

    static let report = GradeReport(
        implementation: "demo-server", role: .server, manifest: "demo.yaml", rto: .milliseconds(300), rtoNote: "graded at RTO 0.3 s", duration: .seconds(2),
        cases: [result("S-REGISTER", .pass), result("S-TABLE", .lenient, level: .info), result("S-ID-IN-USE", .fail),
                result("S-LEAVE", .error, probe: false)])

    @Test func htmlHasTalliesFailuresFirstRuleLinksAndAFoldedProbe() throws {
        let html = HTMLReport.render([Self.report], run: RunInfo(timestamp: "2026-01-02T03:04:05Z", seed: 1, command: ["udpchat", "grade", "x.yaml"]))
        #expect(html.contains("udpchat \(RunInfo.version), 2026-01-02T03:04:05Z, seed 1: <code>udpchat grade x.yaml</code>"))
        // Tallies at the top: before the first table.
        let tallies = try #require(html.range(of: "<div class=\"tallies\">"))
        #expect(tallies.lowerBound < html.range(of: "<table>")!.lowerBound)
        #expect(html.contains("<b>1</b>FAIL") && html.contains("<b>1</b>ERROR") && html.contains("<b>1</b>PASS"))
        // Failures first: ERROR, FAIL, then LENIENT, then PASS, in the table and in the sections.
        let order = ["#demo-server-S-LEAVE\"", "#demo-server-S-ID-IN-USE\"", "#demo-server-S-TABLE\"", "#demo-server-S-REGISTER\""]
            .map { html.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())
        // Each case links to its rules, which are listed (with their text) at the end.
        #expect(html.contains("href=\"#rule-SRV-5\"") && html.contains("id=\"rule-SRV-5\"") && html.contains("href=\"#rule-SRV-3\""))
        // The readiness probe is folded away; the case's own diagram does not show it.
        #expect(html.components(separatedBy: "<details><summary>readiness probe").count == 4)
        let section = try #require(html.range(of: "<section id=\"demo-server-S-REGISTER\""))
        let after = html[section.upperBound...]
        let probeDetails = after.range(of: "</details>")!
        #expect(after[..<probeDetails.lowerBound].contains("LEAVE 2147480000"))
        #expect(!after[probeDetails.upperBound...].prefix(4000).contains("LEAVE 2147480000"))
    }

    /// A whole case's relay loses datagrams both ways: a client's to the server is drawn from the client
    /// (it never reached the server), the server's answer from the server; each says who lost it. The
    /// direction survives the JSON the sandboxed worker sends and the report keeps.
    @Test func aDroppedDatagramIsDrawnTheWayItWent() throws {
        let trace = Trace()
        trace.append(.dropped, node: "client-1", remote: "127.0.0.1:7070", local: "127.0.0.1:40001", text: "REGISTER 21 40001",
                     tag: "relay dropped client-1 → server (rule 'drop dir=up nth=1')", towardImplementation: true)
        trace.append(.dropped, node: "client-1", remote: "127.0.0.1:7070", local: "127.0.0.1:40001", text: "REGISTERED 21 40001",
                     tag: "relay dropped server → client-1")
        trace.append(.dropped, node: "server", remote: "127.0.0.1:9000", local: "127.0.0.1:7070", text: "LEFT 1")
        let lines = trace.render().split(separator: "\n").map { String($0.drop { $0 == " " }) }
        #expect(lines[0].hasSuffix("client-1 -> iut 127.0.0.1:7070  REGISTER 21 40001  [DROPPED: relay dropped client-1 → server (rule 'drop dir=up nth=1')]"), "\(lines)")
        #expect(lines[1].hasSuffix("iut 127.0.0.1:7070 -> client-1  REGISTERED 21 40001  [DROPPED: relay dropped server → client-1]"), "\(lines)")
        #expect(lines[2].hasSuffix("iut 127.0.0.1:9000 -> server  LEFT 1  [DROPPED by grader]"), "\(lines)")
        let decoded = try JSONDecoder().decode([TraceEvent].self, from: JSONEncoder().encode(trace.events))
        #expect(decoded.map(\.towardImplementation) == [true, false, false])
        // The HTML report takes the event as it is.
        let svg = HTMLReport.render([GradeReport(implementation: "w", role: .whole, manifest: "s + c", rto: .seconds(1), rtoNote: "",
                                                 duration: .seconds(1), cases: [CaseResult(id: "W-RESEND-JOIN", section: "Whole submission", level: .must,
                                                 title: "t", verdict: .pass, detail: "ok", duration: .seconds(1), runs: 1, passed: 1, events: trace.events)])])
        #expect(svg.contains("REGISTER 21 40001"))
    }

    @Test func jsonCarriesRunInfoRulesAndEvents() throws {
        let run = RunInfo(timestamp: "2026-01-02T03:04:05Z", seed: 1, command: ["udpchat", "grade", "x.yaml"])
        let json = try #require(try JSONSerialization.jsonObject(with: ReportFormat.json(Self.report, run: run)) as? [String: Any])
        #expect(json["tool"] as? String == "udpchat" && json["version"] as? String == RunInfo.version)
        #expect(json["timestamp"] as? String == "2026-01-02T03:04:05Z" && json["seed"] as? Int == 1)
        #expect(json["command"] as? [String] == ["udpchat", "grade", "x.yaml"])
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases[2]["rules"] as? [String] == ["SRV-5"])
        #expect((cases[0]["events"] as? [Any])?.count == 4)
        let batch = try #require(try JSONSerialization.jsonObject(with: ReportFormat.jsonBatch([Self.report], run: run)) as? [String: Any])
        #expect(batch["command"] as? [String] == run.command && (batch["implementations"] as? [Any])?.count == 1)
    }

    @Test func rubricGlobsLevelsAndLenient() throws {
        let rubric = try Rubric.parse("""
            # first matching glob wins
            S-ID-*: 7
            S-*: 3
            MUST: 5
            LENIENT: 0.5
            """)
        #expect(rubric.globs.map(\.glob) == ["S-ID-*", "S-*"])
        let cases = Self.report.cases
        #expect(rubric.maxPoints(cases[2]) == 7 && rubric.maxPoints(cases[0]) == 3)
        #expect(rubric.maxPoints(Self.result("C-LEAVE", .pass)) == 5)
        #expect(rubric.points(cases[1]) == 2.5)
        #expect(rubric.points(cases[2]) == 0 && rubric.points(cases[0]) == 3)
        // The default weighs MUST above SHOULD above INFO; LENIENT loses a SHOULD's worth.
        let must = Self.result("C-X", .pass, level: .must), should = Self.result("C-Y", .pass, level: .should)
        #expect(Rubric.default.maxPoints(must) > Rubric.default.maxPoints(should))
        #expect(Rubric.default.maxPoints(should) > Rubric.default.maxPoints(Self.result("C-Z", .pass, level: .info)))
        #expect(Rubric.default.points(Self.result("C-X", .lenient)) == 3)
        #expect(throws: UDPChatError.self) { try Rubric.parse("S-*: lots") }
        #expect(throws: UDPChatError.self) { try Rubric.parse("- a list") }
    }

    static let jsonschemaAvailable = (try? run(["python3", "-c", "import jsonschema"]).0) == 0

    /// results.json: a test per case with the rubric's points, the total score.
    @Test func gradescopeResultsHaveATestPerCaseAndTheTotal() throws {
        let data = try Gradescope.results([Self.report], rubric: .default)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tests = try #require(json["tests"] as? [[String: Any]])
        #expect(tests.count == 4)
        for test in tests {
            for key in ["name", "score", "max_score", "status", "output"] { #expect(test[key] != nil, "\(key)") }
        }
        #expect(tests.map { $0["status"] as? String } == ["passed", "passed", "failed", "failed"])
        #expect(tests.map { $0["score"] as? Double } == [4, 0, 0, 0])
        #expect(tests.map { $0["max_score"] as? Double } == [4, 0, 4, 4])
        #expect(json["score"] as? Double == 4)
        #expect((tests[2]["output"] as? String)?.contains("SRV-5") == true)
    }

    /// results.json validates against the JSON Schema of Gradescope's documented format (Python jsonschema).
    @Test(.enabled(if: jsonschemaAvailable, "needs python3 with jsonschema (apt-get install python3-jsonschema)"))
    func gradescopeResultsValidateAgainstTheDocumentedFormat() throws {
        let data = try Gradescope.results([Self.report], rubric: .default)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("results-\(UUID().uuidString).json")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try Self.validate(file.path)
        #expect(status == 0 && output.contains("valid"), "\(output)")
        // The schema is not vacuous: a wrong status is refused.
        try Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"passed\"", with: "\"ok\"").utf8).write(to: file)
        #expect(try Self.validate(file.path).0 != 0)
    }

    /// Validates a results.json against Gradescope's documented format (`Tests/fixtures/gradescope-results.schema.json`):
    /// status 0 and "valid", or the validator's complaint.
    static func validate(_ file: String) throws -> (Int32, String) {
        let schema = root.appendingPathComponent("Tests/fixtures/gradescope-results.schema.json").path
        let script = "import json,sys,jsonschema\njsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))\nprint('valid')"
        return try run(["python3", "-c", script, schema, file])
    }

    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func everyCatalogueCaseCitesARule() {
        for role in GradedRole.allCases {
            for item in Catalogue.cases(for: role) where item.level != .info {
                #expect(!ProtocolRules.rules(forCase: item.id).isEmpty, "\(item.id) is in no rule's cases column of docs/PROTOCOL.md §10")
            }
        }
    }
}
