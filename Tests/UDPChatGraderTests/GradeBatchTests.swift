import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT

/// Nothing silently (issue 16): `grade --batch DIR` grades submission folders (their dialects,
/// scenarios and CI files are skipped, a broken manifest is one ERROR row and the rest are graded),
/// and a run in which no case could be judged exits 3 and says so on its last line.
@Suite(.serialized) struct GradeBatchTests {
    /// alice: a correct server beside its dialect, a scenario and a workflow; bob: a manifest with an
    /// unknown field (the layout docs/DIALECTS.md shows, with a mistake); loose.yaml: a loose manifest.
    static func submissions() throws -> String {
        let folder = try SandboxTests.temporaryFolder()
        let files: [String: String] = [
            "alice/server.yaml": "name: whatever\nrole: server\ncommand: [\"python3\", \"server.py\", \"--port\", \"{port}\"]\n"
                + "workdir: \(FixtureGradingTests.faulty)\n",
            "alice/colon.dialect.yaml": try String(contentsOfFile: DialectVerbTests.colon, encoding: .utf8),
            "alice/scenarios/chat.yaml": "name: chat\nclients:\n  - name: a\n    id: 1\n    script: [quit]\n",
            "alice/.github/workflows/ci.yml": "name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
            "bob/server.yaml": "role: server\ncommand: [\"python3\", \"server.py\"]\nformat: text\n",
            "carol/README.md": "my chat program\n",
            "loose.yaml": "name: loose-server\nrole: server\ncommand: [\"python3\", \"server.py\", \"--port\", \"{port}\"]\n"
                + "workdir: \(FixtureGradingTests.faulty)\n",
        ]
        for (path, text) in files {
            let url = URL(fileURLWithPath: "\(folder)/\(path)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return folder
    }

    @Test func submissionFoldersAreFoundAndOtherYAMLIsSkipped() throws {
        let folder = try Self.submissions()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let entries = try GradeBatch.entries(in: folder)
        #expect(entries.map(\.relativePath) == ["alice/server.yaml", "bob/server.yaml", "carol/", "loose.yaml"])
        #expect(entries.map(\.label) == ["alice", "bob", "carol", "loose-server"])
        #expect(entries[0].graded?.name == "alice")
        #expect(entries[1].graded == nil && entries[1].role == .server)
        guard case .failure(let error) = entries[1].manifest else { Issue.record("bob's manifest loaded"); return }
        #expect(error.description.contains("format"), "\(error.description)")
        #expect(entries[2].graded == nil, "a submission without a manifest is an ERROR row, not left out")
        #expect(!GradeBatch.looksLikeManifest("dialect: x\nformat: text\nmessages:\n  REGISTER: \"R:{id}\"\n"))
        #expect(!GradeBatch.looksLikeManifest("jobs:\n  a:\n    command: make\n"), "only top-level keys count")
        #expect(GradeBatch.looksLikeManifest("# a server\n\"role\": server\n"))
    }

    @Test(.enabled(if: FixtureGradingTests.udpchatBinary != nil, "needs .build/debug/udpchat (swift build)"))
    func aBrokenManifestIsOneErrorRowAndTheRestAreGraded() async throws {
        let folder = try Self.submissions()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (status, output) = try await ShardMergeTests.udpchat(["grade", "--batch", folder, "--rto", "300ms", "--quiet", "--isolation", "none",
                                                            "--cases", "S-REGISTER,S-LOOKUP-ACTIVE"])
        #expect(status == 1, "an ERROR row: exit 1\n\(output)")
        let rows = output.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasPrefix("alice ") && $0.contains("server") && $0.contains("   2 ") }, "\(output)")
        #expect(rows.contains { $0.hasPrefix("loose-server ") }, "\(output)")
        #expect(rows.contains { $0.contains("MANIFEST") && $0.contains("ERROR") && $0.contains("format") }, "\(output)")
        #expect(rows.contains { $0.contains("MANIFEST") && $0.contains("ERROR") && $0.contains("carol: no manifest") }, "\(output)")
        #expect(!output.contains("no case could be judged"), "\(output)")
    }

    @Test(.enabled(if: FixtureGradingTests.udpchatBinary != nil, "needs .build/debug/udpchat (swift build)"))
    func aRunThatJudgedNothingExits3() async throws {
        // The quiet dialect has no REGISTERED: S-REGISTER is the one selected case, and it cannot be judged.
        let manifest = "\(DialectGradingTests.iut)/quiet-server-correct.yaml"
        let (status, output) = try await ShardMergeTests.udpchat(["grade", manifest, "--rto", "300ms", "--quiet", "--isolation", "none",
                                                            "--cases", "S-REGISTER"])
        #expect(status == 3, "\(output)")
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("no case could be judged: 1 UNSUPPORTED — all say \"dialect quiet-chat has no REGISTERED"), "\(last)")
    }

    @Test func theLineNamesTheCommonestReason() {
        func result(_ id: String, _ verdict: Verdict, _ detail: String) -> CaseResult {
            CaseResult(id: id, section: "s", level: .must, title: "t", verdict: verdict, detail: detail, duration: .zero, runs: 1, passed: 0, events: [])
        }
        var report = GradeReport(implementation: "x", role: .client, manifest: "m", rto: .seconds(1), rtoNote: "", duration: .zero,
                                 cases: [result("A", .unsupported, "no connect"), result("B", .unsupported, "no connect"),
                                         result("C", .unsupported, "no PEER")])
        #expect(ReportFormat.unjudgedLine(report, label: "alice (client)")
            == "no case could be judged for alice (client): 3 UNSUPPORTED — 2 say \"no connect\"; see docs/GRADER.md \"Grading under a dialect\" and the manifest's input actions")
        report.cases.append(result("D", .error, "the implementation exited"))
        #expect(ReportFormat.unjudgedLine(report) == nil, "an ERROR was judged: exit 1, not 3")
    }
}
