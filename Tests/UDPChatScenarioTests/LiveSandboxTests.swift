import Foundation
import UDPChatHost
import Testing
import UDPChatIUT
@testable import UDPChatScenario
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

/// Live runs that start a third-party manifest, each in its own sandbox (issue 10): `udpchat scenario
/// run --mode live` re-runs itself as `scenario-worker` inside bubblewrap. Tests that need
/// namespaces print why and return where the system forbids them.
@Suite(.serialized) struct LiveSandboxTests {
    static let root = URL(fileURLWithPath: scenariosFolder).deletingLastPathComponent().path
    static let faulty = root + "/Fixtures/iut/faulty"

    /// The debug `udpchat`, or nil (printing why) when it is missing or there can be no sandbox.
    static func binary(needsSandbox: Bool = true) async -> String? {
        let path = root + "/.build/debug/udpchat"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            print("live sandbox test skipped: no .build/debug/udpchat (swift build)")
            return nil
        }
        if needsSandbox, let reason = await Sandbox.unavailableReason() {
            print("live sandbox test skipped: \(reason)")
            return nil
        }
        return path
    }

    /// clean-chat.yaml with its server given by `serverCommand` (a manifest written next to it; FOLDER
    /// stands for the fresh folder both are in, which is also the workdir when `workdir` is nil).
    static func pinnedScenario(serverCommand: String = #"["python3", "server.py", "--fault", "none"]"#,
                               workdir: String? = faulty, manifestExtra: String = "",
                               script: String? = nil) throws -> (folder: String, path: String) {
        var template = Array("/tmp/udpchat-live-sandbox-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        let folder = String(cString: made)
        let command = serverCommand.replacingOccurrences(of: "FOLDER", with: folder)
        try "name: pinned server\nrole: server\ncommand: \(command)\n\(workdir.map { "workdir: \($0)\n" } ?? "")\(manifestExtra)"
            .write(toFile: folder + "/server.yaml", atomically: true, encoding: .utf8)
        var text = try String(contentsOfFile: scenariosFolder + "/clean-chat.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "rto: 10s\n", with: "rto: 10s\ntimeout: 25rto\nserver:\n  manifest: server.yaml\n")
        // The python server shows its table its own way.
        text = text.replacingOccurrences(of: "  - displayed: {party: server, text: \"table: (empty)\", min: 1}\n", with: "")
        #expect(text.contains("  - wire: {verb: REGISTER, count: 2}\n"), "clean-chat.yaml counts the REGISTERs")
        if let script { text = text.replacingOccurrences(of: "      - wait-for: registered\n", with: script) }
        try text.write(toFile: folder + "/pinned.yaml", atomically: true, encoding: .utf8)
        return (folder, folder + "/pinned.yaml")
    }

    /// Takes the host's 7070 lock (BRIEF: every user of host port 7070 holds it); returns its descriptor.
    /// Never a blocking flock in a task: it would hold one of the test runner's few threads.
    static func lock7070() async throws -> Int32 {
        let lock = open("/tmp/udpchat-7070.lock", O_CREAT | O_RDWR, 0o666)
        if lock >= 0 {
            while flock(lock, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        return lock
    }

    /// A UDP socket bound to the host's 127.0.0.1:`port`, or -1.
    static func hold(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if !bound { close(fd) }
        return bound ? fd : -1
    }

    /// `udpchat scenario run …` to its end: exit, standard output and error.
    static func scenarioRun(_ binary: String, _ arguments: [String]) async throws -> (exit: ProcessExit?, stdout: [String], stderr: [String]) {
        let process = try await IUTProcess.launch([binary, "scenario", "run"] + arguments, workdir: root, name: "scenario")
        let exit = await process.waitForExit(timeout: .seconds(300))
        await process.stop()
        return (exit, process.lines(.stdout), process.lines(.stderr))
    }

    /// Processes (zombies aside) whose command line contains `marker`.
    static func processes(containing marker: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
            return state != "Z" && String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(marker)
        }
    }

    @Test("a 7070-pinned server's live runs pass two at a time while the host's 127.0.0.1:7070 is taken")
    func pinnedServerRunsInParallelSandboxes() async throws {
        guard let binary = await Self.binary() else { return }
        let lock = try await Self.lock7070()
        defer { close(lock) }
        let held = Self.hold(port: 7070)
        defer { if held >= 0 { close(held) } }
        #expect(held >= 0, "the test holds the host's 127.0.0.1:7070")
        let (folder, path) = try Self.pinnedScenario()
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let (exit, stdout, stderr) = try await Self.scenarioRun(binary, [path, "--mode", "live", "--rto", "1s", "--repeat", "2", "--jobs", "2",
                                                                          "--json", folder + "/report.json", "--artifacts", folder + "/artifacts"])
        #expect(exit?.status == 0, "\(stdout.joined(separator: "\n"))\n\(stderr.joined(separator: "\n"))")
        #expect(stdout.contains { $0.contains("2 runs: 2 passed") }, "\(stdout)")
        #expect(!stderr.contains { $0.contains("no sandbox") })
        let report = try String(contentsOfFile: folder + "/report.json", encoding: .utf8)
        #expect(report.contains("PASS") || report.contains("pass"))
        // The observation came back from the sandbox: trace and pcap artifacts of both runs.
        for seed in [1, 2] {
            let trace = try String(contentsOfFile: "\(folder)/artifacts/pinned-live-seed\(seed).trace.jsonl", encoding: .utf8)
            #expect(trace.contains("REGISTER"), "seed \(seed)'s trace came back from its sandbox")
            #expect(FileManager.default.fileExists(atPath: "\(folder)/artifacts/pinned-live-seed\(seed).pcap"))
        }
    }

    @Test("--isolation none: the pinned server runs on the host, and --isolation required is an exit 2 only without a sandbox")
    func fallbackOnTheHost() async throws {
        guard let binary = await Self.binary(needsSandbox: false) else { return }
        let lock = try await Self.lock7070()
        defer { close(lock) }
        let (folder, path) = try Self.pinnedScenario()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (exit, stdout, stderr) = try await Self.scenarioRun(binary, [path, "--mode", "live", "--rto", "1s", "--repeat", "2", "--jobs", "2",
                                                                          "--isolation", "none"])
        #expect(exit?.status == 0, "\(stdout.joined(separator: "\n"))\n\(stderr.joined(separator: "\n"))")
        #expect(stdout.contains { $0.contains("2 runs: 2 passed") }, "two pinned runs on the host take turns: \(stdout)")

        let required = try await Self.scenarioRun(binary, [path, "--mode", "live", "--rto", "1s", "--isolation", "required"])
        if let reason = await Sandbox.unavailableReason() {
            #expect(required.exit?.status == 2)
            #expect(required.stderr.contains { $0.contains("no sandbox") && $0.contains(reason) })
        } else {
            #expect(required.exit?.status == 0, "\(required.stdout)\n\(required.stderr)")
        }
    }

    @Test("the manifest's limits apply in the run's sandbox: a server past its memory limit fails the run with a check naming it")
    func limitsApply() async throws {
        guard let binary = await Self.binary() else { return }
        let (folder, path) = try Self.pinnedScenario(serverCommand: #"["python3", "hostile.py", "--hog", "--port", "{port}"]"#,
                                                     workdir: Self.root + "/Fixtures/iut/hostile", manifestExtra: "limits: {memory: 64MiB}\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scenario = try ScenarioFiles.load(path)
        let reports = await LiveRunner.runAll([(scenario, 1)], jobs: 1, rto: .milliseconds(200),
                                              sandbox: SandboxPlan(worker: [binary, "scenario-worker"]))
        let report = try #require(reports.first)
        #expect(!report.passed)
        let limit = report.checks.first { $0.title == "the implementations stayed within their limits" }
        #expect(limit?.passed == false)
        #expect(limit?.observed.hasPrefix("killed: memory limit 64 MiB") == true, "\(ScenarioReports.text(report))")
    }

    @Test("a third-party server that exits before it binds its port fails the run at once, with its status and stderr")
    func serverGoneAtStartIsSaid() async throws {
        let (folder, path) = try Self.pinnedScenario(serverCommand: #"["sh", "-c", "echo cannot open table.db >&2; exit 3"]"#, workdir: nil)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let reports = await LiveRunner.runAll([(try ScenarioFiles.load(path), 1)], jobs: 1, rto: .seconds(1))
        let report = try #require(reports.first)
        let text = ScenarioReports.text(report)
        #expect(!report.passed)
        #expect(text.contains("exited (exit status 3) before it bound port"), "\(text)")
        #expect(text.contains("cannot open table.db"), "\(text)")
        #expect(report.wallTime < .seconds(20), "it did not wait for the run's timeout (25 RTO = 25 s): \(report.wallTime)")
    }

    @Test("a third-party server counts as up once its UDP port shows in /proc/net/udp")
    func boundPortIsSeen() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        #expect(UDPSocketTable.isBound(UInt16(bigEndian: address.sin_port)))
    }

    @Test("an interrupted sandboxed run is reported INTERRUPTED and its sandbox dies")
    func interruptKillsTheSandbox() async throws {
        guard let binary = await Self.binary() else { return }
        // The server under `sh -c` named after the folder, so its process tree carries the marker; alice waits long.
        // It runs from its workdir: the confined server sees that (its copy) and the system, not the
        // repository's path (given as an absolute path, server.py was not found, the `sh` lived a few
        // milliseconds, and the run started only when the poll happened to catch it).
        let (folder, path) = try Self.pinnedScenario(serverCommand: #"["sh", "-c", "python3 server.py --port {port}", "FOLDER"]"#,
                                                     script: "      - sleep: 100rto\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let marker = folder
        // RTO 1 s: the run's own timeout (25 RTO) must outlast a loaded machine's sandbox start-up (seen over 12 s).
        let run = try await IUTProcess.launch([binary, "scenario", "run", path, "--mode", "live", "--rto", "1s", "--json", folder + "/report.json"],
                                              workdir: folder, name: "scenario")
        var started = false
        for _ in 0..<1200 where !started {
            started = Self.processes(containing: "sh -c python3").contains { pid in
                (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? "").contains(marker)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        #expect(started, "the sandboxed run started")
        try? await Task.sleep(for: .milliseconds(500))
        kill(run.pid, SIGINT)
        let exit = await run.waitForExit(timeout: .seconds(60))
        await run.stop()
        #expect(exit?.status == 130, "\(run.lines(.stdout))\n\(run.lines(.stderr))")
        #expect(run.lines(.stdout).contains { $0.contains("INTERRUPTED") || $0.contains("interrupted by SIGINT") })
        let report = try Data(contentsOf: URL(fileURLWithPath: folder + "/report.json"))
        #expect((try? JSONSerialization.jsonObject(with: report)) != nil, "the report parses")
        #expect(String(decoding: report, as: UTF8.self).contains("nterrupted"))
        var left = Self.processes(containing: marker)
        for _ in 0..<200 where !left.isEmpty {
            try? await Task.sleep(for: .milliseconds(50))
            left = Self.processes(containing: marker)
        }
        #expect(left.isEmpty, "the sandbox's processes outlived the interrupt: \(left)")
    }
}
