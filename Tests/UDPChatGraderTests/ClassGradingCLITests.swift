import Foundation
import Testing
@testable import UDPChatGrader

/// `udpchat grade` for a class, as an instructor runs it (issue 19): a batch graded into one Gradescope
/// results.json per submission folder and a CSV gradebook, the same from merged shards; and pytest's
/// -k, --exitfirst and --last-failed, which `scenario run` has too.
@Suite(.serialized) struct ClassGradingCLITests {
    /// alice and bob both call their server `my-server`: alice's is the reference (this build), bob's takes over ids.
    static func batch(in folder: String) throws -> String {
        let binary = try #require(ShardMergeTests.binary)
        let faulty = FixtureGradingTests.faulty
        let files = [
            "alice/server.yaml": "name: my-server\nrole: server\ncommand: [\"\(binary)\", \"server\", \"--port\", \"{port}\", \"--rto\", \"{rto}\"]\n",
            "bob/server.yaml": "name: my-server\nrole: server\ncommand: [\"python3\", \"server.py\", \"--port\", \"{port}\", \"--fault\", \"hijackable\"]\n"
                + "workdir: \(faulty)\n",
        ]
        for (path, text) in files {
            let url = URL(fileURLWithPath: "\(folder)/batch/\(path)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return folder + "/batch"
    }

    static func tests(_ path: String) throws -> [String] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let tests = try #require(json["tests"] as? [[String: Any]])
        let points = { (value: Any?) in (value as? Double).map(Gradescope.format) ?? "?" }
        return tests.map { "\($0["name"] as? String ?? "") \(points($0["score"]))/\(points($0["max_score"])) \($0["status"] as? String ?? "not run")" }
    }

    @Test(.enabled(if: ShardMergeTests.binary != nil, "needs .build/debug/udpchat (swift build)"))
    func aBatchGivesAResultsFilePerSubmissionAndAGradebookAndMergedShardsGiveTheSame() async throws {
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let batch = try Self.batch(in: folder)
        let common = ["grade", "--batch", batch, "--rto", "300ms", "--quiet", "--isolation", "none", "--cases", "S-REGISTER,S-ID-IN-USE"]
        let (status, output) = try await ShardMergeTests.udpchat(common + ["--gradescope-dir", folder + "/all", "--csv", folder + "/all.csv"])
        #expect(status == 1, "bob fails S-ID-IN-USE\n\(output)")
        // Rows are labelled by submission folder, not by the name both students chose.
        let rows = output.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasPrefix("alice ") && $0.contains("server") } && rows.contains { $0.hasPrefix("bob ") }, "\(output)")
        let alice = try Self.tests(folder + "/all/alice/results.json")
        let bob = try Self.tests(folder + "/all/bob/results.json")
        #expect(alice.count == 2 && alice[0].hasPrefix("S-REGISTER (MUST)") && alice.allSatisfy { $0.hasSuffix(" 4/4 passed") }, "\(alice)")
        #expect(bob.count == 2 && bob[1].hasPrefix("S-ID-IN-USE (MUST)") && bob[1].hasSuffix(" 0/4 failed"), "\(bob)")
        let csv = try String(contentsOfFile: folder + "/all.csv", encoding: .utf8)
        #expect(csv == "submission,S-REGISTER,S-ID-IN-USE,total,max\r\nalice,4,4,8,8\r\nbob,4,0,4,8\r\n", "\(csv)")
        if ReportOutputTests.jsonschemaAvailable {
            for name in ["alice", "bob"] {
                let (valid, complaint) = try ReportOutputTests.validate("\(folder)/all/\(name)/results.json")
                #expect(valid == 0, "\(name): \(complaint)")
            }
        }

        // The shards of a job array, merged: the same files.
        for index in 1...2 {
            let (shard, log) = try await ShardMergeTests.udpchat(common + ["--shard", "\(index)/2", "--json", "\(folder)/shard-\(index).json"])
            #expect(shard == (index == 1 ? 0 : 1), "\(log)")
        }
        let (merged, log) = try await ShardMergeTests.udpchat(["report", "merge", folder + "/shard-1.json", folder + "/shard-2.json",
                                                         "--gradescope-dir", folder + "/merged", "--csv", folder + "/merged.csv"])
        #expect(merged == 1, "\(log)")
        #expect(try String(contentsOfFile: folder + "/merged.csv", encoding: .utf8) == csv)
        #expect(try Self.tests(folder + "/merged/alice/results.json") == alice && Self.tests(folder + "/merged/bob/results.json") == bob)
        let (misused, message) = try await ShardMergeTests.udpchat(["report", "merge", folder + "/shard-1.json", "--rubric", "r.yaml"])
        #expect(misused == 2 && message.contains("--rubric needs --gradescope FILE, --gradescope-dir DIR or --csv FILE"), "\(message)")
    }

    /// implementation → [case id: (verdict, detail)] from a single report's JSON.
    static func cases(_ path: String) throws -> [String: (String, String)] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var all: [String: (String, String)] = [:]
        for item in try #require(json["cases"] as? [[String: Any]]) {
            all[try #require(item["id"] as? String)] = (item["verdict"] as? String ?? "", item["detail"] as? String ?? "")
        }
        return all
    }

    @Test(.enabled(if: ShardMergeTests.binary != nil, "needs .build/debug/udpchat (swift build)"))
    func gradeSelectsAndStopsAsPytestDoes() async throws {
        let folder = URL(fileURLWithPath: try SandboxTests.temporaryFolder())
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = folder.appendingPathComponent("hijackable.yaml").path
        try String(contentsOfFile: FixtureGradingTests.faulty + "/server-hijackable.yaml", encoding: .utf8)
            .replacingOccurrences(of: "workdir: .", with: "workdir: \(FixtureGradingTests.faulty)")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let common = ["grade", manifest, "--rto", "300ms", "--quiet", "--isolation", "none", "--jobs", "1"]
        let selected = ["--cases", "S-REGISTER,S-ID-IN-USE,S-ADDRESS-IN-USE,S-NEWLINE"]  // in the catalogue's order

        // --exitfirst: the failing S-ID-IN-USE stops the run; the cases after it are not run (INTERRUPTED).
        let (first, log) = try await ShardMergeTests.udpchat(common + selected + ["--exitfirst", "--json", "x.json"], workdir: folder)
        #expect(first == 1, "\(log)")
        #expect(log.contains("stopped after the first failure (--exitfirst): 2 cases not run"), "\(log)")
        let stopped = try Self.cases(folder.appendingPathComponent("x.json").path)
        #expect(stopped["S-REGISTER"]?.0 == "PASS" && stopped["S-ID-IN-USE"]?.0 == "FAIL", "\(stopped)")
        #expect(stopped["S-NEWLINE"]?.0 == "INTERRUPTED" && stopped["S-NEWLINE"]?.1.contains("--exitfirst") == true, "\(stopped)")

        // --last-failed: only what failed last time, in this folder.
        let (again, log2) = try await ShardMergeTests.udpchat(common + selected + ["--last-failed", "--json", "y.json"], workdir: folder)
        #expect(again == 1, "\(log2)")
        #expect(try Self.cases(folder.appendingPathComponent("y.json").path).keys.sorted() == ["S-ID-IN-USE"])

        // -k: a case's id or title, any case.
        let (keyword, log3) = try await ShardMergeTests.udpchat(common + selected + ["-k", "address-in-use", "-k", "NEWLINE", "--json", "z.json"], workdir: folder)
        #expect(keyword == 0, "\(log3)")
        #expect(try Self.cases(folder.appendingPathComponent("z.json").path).keys.sorted() == ["S-ADDRESS-IN-USE", "S-NEWLINE"])
        let (none, log4) = try await ShardMergeTests.udpchat(common + ["-k", "nothing-matches"], workdir: folder)
        #expect(none == 2 && log4.contains("grade: no case is selected (-k nothing-matches)"), "\(log4)")
    }
}
