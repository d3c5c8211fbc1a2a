import Foundation
import Testing
@testable import UDPChatGrader

/// The recipes of docs/GRADER.md (CI matrix, Kubernetes Indexed Job) locally: grade a batch as two
/// shards, merge them with `udpchat report merge`, and compare with the unsharded run.
struct ShardMergeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String? {
        let path = root.appendingPathComponent(".build/debug/udpchat").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Runs the built udpchat and returns its exit status and its output (stdout and stderr together). The
    /// blocking read and wait happen on a thread of their own: on the test pool's (two, on a 2-core CI
    /// machine) they held a pool thread for the whole run, stalling every other test's timers meanwhile.
    static func udpchat(_ arguments: [String], env: [String: String] = [:], shell: Bool = false, workdir: URL? = nil) async throws -> (Int32, String) {
        let process = Process()
        if shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", ([try #require(binary)] + arguments).joined(separator: " ")]
        } else {
            process.executableURL = URL(fileURLWithPath: try #require(binary))
            process.arguments = arguments
        }
        process.currentDirectoryURL = workdir ?? root
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let running = RunningProcess(process: process, pipe: pipe)
        return await withCheckedContinuation { continuation in
            Thread {
                let output = String(decoding: running.pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                running.process.waitUntilExit()
                continuation.resume(returning: (running.process.terminationStatus, output))
            }.start()
        }
    }

    /// A started process and its output pipe, handed to the thread that waits for them (only it uses them then).
    final class RunningProcess: @unchecked Sendable {
        let process: Process
        let pipe: Pipe
        init(process: Process, pipe: Pipe) { (self.process, self.pipe) = (process, pipe) }
    }

    /// implementation → case → verdict, from a JSON report.
    static func verdicts(_ path: String) throws -> [String: [String: String]] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var all: [String: [String: String]] = [:]
        for report in try #require(json["implementations"] as? [[String: Any]]) {
            let name = try #require(report["implementation"] as? String)
            for item in try #require(report["cases"] as? [[String: Any]]) {
                all[name, default: [:]][try #require(item["id"] as? String)] = item["verdict"] as? String
            }
        }
        return all
    }

    @Test(.enabled(if: binary != nil, "needs .build/debug/udpchat (swift build)"))
    func twoShardsMergeToTheUnshardedVerdicts() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)")
        let batch = folder.appendingPathComponent("batch")
        try FileManager.default.createDirectory(at: batch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The reference server (this build) and a faulty one (hijackable ids), each in its own shard.
        let binary = try #require(Self.binary)
        try """
            name: reference-server
            role: server
            command: ["\(binary)", "server", "--host", "127.0.0.1", "--port", "{port}", "--rto", "{rto}"]
            """.write(to: batch.appendingPathComponent("a-reference.yaml"), atomically: true, encoding: .utf8)
        let faulty = Self.root.appendingPathComponent("Fixtures/iut/faulty")
        let hijackable = try String(contentsOf: faulty.appendingPathComponent("server-hijackable.yaml"), encoding: .utf8)
        try hijackable.replacingOccurrences(of: "workdir: .", with: "workdir: \(faulty.path)")
            .write(to: batch.appendingPathComponent("b-hijackable.yaml"), atomically: true, encoding: .utf8)
        let common = ["grade", "--batch", batch.path, "--rto", "300ms", "--quiet", "--cases", "S-REGISTER*,S-ID-IN-USE,S-LOOKUP-*,S-LEAVE*"]
        let out = { (name: String) in folder.appendingPathComponent(name).path }

        let (unsharded, log0) = try await Self.udpchat(common + ["--json", out("all.json")])
        #expect(unsharded == 1, "\(log0)")
        // As the Kubernetes recipe runs it (docs/GRADER.md): JOB_COMPLETION_INDEX (0-based) becomes --shard I/N.
        for index in 0..<2 {
            let (status, log) = try await Self.udpchat(common + ["--shard", "$((JOB_COMPLETION_INDEX + 1))/2", "--json", out("shard-\(index + 1).json")],
                                                 env: ["JOB_COMPLETION_INDEX": "\(index)"], shell: true)
            #expect(status == (index == 0 ? 0 : 1), "\(log)")
        }
        let (merged, log) = try await Self.udpchat(["report", "merge", out("shard-1.json"), out("shard-2.json"),
                                              "--json", out("merged.json"), "--junit", out("merged.xml"), "--html", out("merged.html")])
        #expect(merged == 1, "exit 1: a case failed\n\(log)")
        let expected = try Self.verdicts(out("all.json"))
        #expect(expected.count == 2 && expected["python-server-hijackable"]?["S-ID-IN-USE"] == "FAIL", "\(expected)")
        #expect(try Self.verdicts(out("merged.json")) == expected)
        // The same order as the unsharded run, and the shards' run info kept.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out("merged.json")))) as? [String: Any])
        #expect((json["implementations"] as? [[String: Any]])?.map { $0["implementation"] as? String } == ["reference-server", "python-server-hijackable"])
        #expect((json["shards"] as? [[String: Any]])?.count == 2)
        let junit = try String(contentsOfFile: out("merged.xml"), encoding: .utf8)
        #expect(junit.components(separatedBy: "<testcase").count == 2 * 9 + 1 && junit.contains("<failure"))
        let html = try String(contentsOfFile: out("merged.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("python-server-hijackable") && html.contains("rule-SRV-5"))

        // Merging a shard twice is refused: the shards overlap.
        let (overlap, message) = try await Self.udpchat(["report", "merge", out("shard-1.json"), out("shard-1.json")])
        #expect(overlap == 2 && message.contains("overlapping shards"), "\(message)")
    }
}
