import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import UDPChatGrader
import UDPChatIUT
#if canImport(Glibc)
import Glibc
#endif

/// Sandboxes (bubblewrap), interrupts and setup errors of `udpchat grade` (issue 10).
/// Tests that need namespaces print why and return where the system forbids them.
@Suite(.serialized) struct SandboxTests {
    static let hostile = FixtureGradingTests.root.appendingPathComponent("Fixtures/iut/hostile").path
    /// The hostile fixture's workdir: it serves with the faulty fixtures' server (../faulty), which
    /// must be inside its folder, since an implementation sees nothing of the host beyond it.
    static let iut = FixtureGradingTests.root.appendingPathComponent("Fixtures/iut").path
    static let faulty = FixtureGradingTests.faulty

    /// The sandbox plan of the debug build, or nil (printing why) when there can be none.
    static func plan() async -> SandboxPlan? {
        guard let binary = FixtureGradingTests.udpchatBinary else {
            print("sandbox test skipped: no .build/debug/udpchat (swift build)")
            return nil
        }
        if let reason = await Sandbox.unavailableReason() {
            print("sandbox test skipped: \(reason)")
            return nil
        }
        return SandboxPlan(worker: [binary, "grade-worker"])
    }

    static func grade(_ manifest: Manifest, cases: [String] = [], rto: Double = 0.5, sandbox: SandboxPlan?,
                      artifacts: String? = nil) async -> GradeReport {
        var options = GradeOptions()
        options.artifacts = artifacts
        options.rto = .milliseconds(Int((rto * 1000).rounded()))
        options.cases = cases
        options.sandbox = sandbox
        return await Grader.run(manifest: manifest, options: options)
    }

    static func temporaryFolder() throws -> String {
        var template = Array("/tmp/udpchat-sandbox-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }

    /// Processes whose command line contains `marker` (zombies aside).
    static func processes(containing marker: String) -> [Int32] {
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
        return ids.filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
            return state != "Z" && String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(marker)
        }
    }

    /// Waits (up to 10 s) until no process carries `marker`; returns the ones left.
    static func survivors(_ marker: String) async -> [Int32] {
        for _ in 0..<200 {
            if processes(containing: marker).isEmpty { return [] }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return processes(containing: marker)
    }

    /// A UDP socket on the host's 127.0.0.1 (port 0 = any), non-blocking.
    static func hostSocket(port: UInt16 = 0) -> (fd: Int32, port: UInt16)? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            return nil
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    @Test("a hostile implementation is contained and still graded")
    func hostileIsContained() async throws {
        guard let plan = await Self.plan() else { return }
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let host = try #require(Self.hostSocket())
        defer { close(host.fd) }
        let marker = "HOSTILE-\(UInt32.random(in: 0...UInt32.max))"
        let escape = "\(folder)/escaped.txt"
        let manifest = Manifest(name: "hostile", role: .server,
                                command: ["python3", "hostile/hostile.py", "--escape", escape, "--host-port", String(host.port),
                                          "--detach", marker, "--port", "{port}"],
                                workdir: Self.iut)
        let report = await Self.grade(manifest, cases: ["S-REGISTER", "S-LOOKUP-ACTIVE"], sandbox: plan, artifacts: "\(folder)/artifacts")
        #expect(report.cases.map(\.verdict) == [.pass, .pass], "\(report.cases.map(\.detail))")
        let said = report.cases.flatMap(\.events).filter { $0.kind == .stdout }.map(\.text)
        #expect(said.contains { $0.hasPrefix("hostile: sent to 127.0.0.1:\(host.port)") }, "it tried to reach the host: \(said)")
        #expect(said.contains("hostile: left a detached child"))
        #expect(!FileManager.default.fileExists(atPath: escape), "a write outside its folder reached the host")
        #expect(!FileManager.default.fileExists(atPath: "\(Self.hostile)/written-by-hostile.txt"), "a write in its folder reached the real folder")
        #expect(FileManager.default.fileExists(atPath: "\(folder)/artifacts/S-REGISTER/workdir/hostile/written-by-hostile.txt"),
                "the case's layer (its copy of the workdir) is kept as an artifact")
        var buffer = [UInt8](repeating: 0, count: 64)
        #expect(recv(host.fd, &buffer, buffer.count, 0) < 0, "a datagram from the sandbox reached the host's port \(host.port)")
        #expect(await Self.survivors(marker).isEmpty, "the detached child outlived its case")

        var hog = Manifest(name: "hog", role: .server, command: ["python3", "hostile/hostile.py", "--hog", "--port", "{port}"], workdir: Self.iut)
        hog.limits.memoryBytes = 64 << 20
        hog.limitKeys = ["memory"]
        let hogged = await Self.grade(hog, cases: ["S-REGISTER"], sandbox: plan)
        #expect(hogged.cases.first?.verdict == .error)
        #expect(hogged.cases.first?.detail.hasPrefix("killed: memory limit 64 MiB") == true, "\(hogged.cases.first?.detail ?? "")")
    }

    @Test("7070-pinned server and client grade all PASS, cases in parallel, while the host's 127.0.0.1:7070 is taken")
    func pinnedRunInParallel() async throws {
        guard let plan = await Self.plan() else { return }
        // Every user of host port 7070 takes this lock first (BRIEF: flock /tmp/udpchat-7070.lock).
        let lock = open("/tmp/udpchat-7070.lock", O_CREAT | O_RDWR, 0o666)
        #expect(lock >= 0)
        defer { close(lock) }
        // Never a blocking flock in a task: it would hold one of the test runner's few threads.
        while flock(lock, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        let held = Self.hostSocket(port: 7070)
        defer { if let held { close(held.fd) } }
        #expect(held != nil, "the test holds the host's 127.0.0.1:7070")

        let server = Manifest(name: "pinned-server", role: .server, command: ["python3", "server.py", "--fault", "none"], workdir: Self.faulty)
        let client = Manifest(name: "pinned-client", role: .client,
                              command: ["python3", "client.py", "--id", "{id}", "--server", "127.0.0.1:7070", "--port", "{port}",
                                        "--advertise-port", "{advertise_port}", "--rto", "{rto}", "--fault", "none"],
                              workdir: Self.faulty,
                              input: ["connect": "/connect {peer}", "accept": "/accept", "reject": "/reject", "send": "{text}",
                                      "terminate": "/end", "quit": "/quit"])
        #expect(server.pinnedPort == 7070 && client.pinnedPort == 7070)
        for manifest in [server, client] {
            let report = await Self.grade(manifest, sandbox: plan)
            #expect(report.cases.count == Catalogue.cases(for: GradedRole(manifest.role)).count)
            for result in report.cases {
                // A re-send timed outside the strict band (a loaded machine's late copy) is LENIENT, rightly.
                let timed = result.id.contains("RESEND") || result.detail.contains("strict is")
                let allowed: Set<Verdict> = timed ? [.pass, .lenient] : [.pass]
                #expect(allowed.contains(result.verdict), "\(manifest.name) \(result.id): \(result.verdict.rawValue): \(result.detail)")
            }
            // In parallel: the run takes less than its cases one after another.
            let serial = report.cases.map(\.duration).reduce(.zero, +)
            #expect(report.duration < serial, "\(manifest.name): \(report.duration) for cases summing to \(serial)")
        }
    }

    @Test("an interop pair runs in a sandbox of its own, with its trace brought back")
    func interopPairInSandbox() async throws {
        guard let plan = await Self.plan() else { return }
        let correct = try Manifest.load(path: "\(Self.faulty)/client-correct.yaml")
        let server = ["python3", "\(Self.faulty)/server.py", "--port", "{port}"]
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = await Interop.run(clients: [correct], serverCommand: server, rto: .milliseconds(300), artifacts: folder, sandbox: plan)
        #expect(results.map(\.verdict) == [.pass], "\(results.map(\.detail))")
        let trace = try String(contentsOfFile: "\(folder)/interop-1/trace.txt", encoding: .utf8)
        #expect(trace.contains("relay") && trace.contains("interop from 1 number 3"), "the pair's trace came back from its sandbox")
    }

    /// Writes a manifest file for the CLI tests.
    static func manifestFile(in folder: String, _ yaml: String) throws -> String {
        let path = "\(folder)/iut.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `udpchat grade …` started, stopped with `signal` once the first case has finished.
    ///
    /// The signal is sent from the pipe's readability handler (a dispatch queue), not from a task:
    /// with the test runner's cooperative pool as wide as the machine has cores, a polling task can
    /// be starved long enough for a fast catalogue to finish before the signal goes out.
    static func interruptedGrade(_ arguments: [String], signal: Int32) async throws -> (exit: ProcessExit?, stderr: [String], pid: Int32) {
        let binary = try #require(FixtureGradingTests.udpchatBinary)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["grade"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let seen = NIOLockedValueBox((text: "", signalled: false))
        errors.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            let send = seen.withLockedValue { state -> Bool in
                state.text += chunk
                guard !state.signalled, state.text.contains("[1/") else { return false }
                state.signalled = true
                return true
            }
            if send { kill(process.processIdentifier, signal) }
        }
        let exited: ProcessExit = await withCheckedContinuation { continuation in
            process.terminationHandler = { process in
                let status = process.terminationStatus
                continuation.resume(returning: process.terminationReason == .uncaughtSignal ? ProcessExit(status: status, signal: status)
                                                                                              : ProcessExit(status: status))
            }
            do { try process.run() } catch { continuation.resume(returning: ProcessExit(status: -1)) }
        }
        errors.fileHandleForReading.readabilityHandler = nil
        let rest = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let text = seen.withLockedValue { $0.text } + rest
        return (exited, text.split(separator: "\n").map(String.init), process.processIdentifier)
    }

    @Test("SIGINT of a running grade leaves no process and a JSON report that parses; SIGKILL leaves no process")
    func interruptsLeaveNothing() async throws {
        guard await Self.plan() != nil else { return }
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let marker = "HOSTILE-\(UInt32.random(in: 0...UInt32.max))"
        // Pinned and without {rto}: the cases run in parallel at RTO 10 s, so some are running at the signal.
        let manifest = try Self.manifestFile(in: folder, """
            name: lingering
            role: server
            command: ["python3", "hostile/hostile.py", "--detach", "\(marker)", "--group", "\(marker)"]
            workdir: \(Self.iut)
            """)
        let json = "\(folder)/report.json"
        let interrupted = try await Self.interruptedGrade([manifest, "--json", json], signal: SIGINT)
        #expect(interrupted.exit == ProcessExit(status: 130), "\(interrupted.stderr.suffix(5))")
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.count == Catalogue.cases(for: .server).count, "finished and unfinished cases are all in the report")
        #expect(interrupted.stderr.contains { $0.contains("interrupted by SIGINT") })
        #expect(await Self.survivors(marker).isEmpty, "an implementation process outlived the interrupted grade")

        let killed = try await Self.interruptedGrade([manifest], signal: SIGKILL)
        #expect(killed.exit?.signal == SIGKILL)
        #expect(await Self.survivors(marker).isEmpty, "an implementation process outlived the killed grade")
        // The killed grader could not remove its cases' scratch folders: the next grader does.
        Sandbox.removeStale()
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix("udpchat-case-\(killed.pid)-") }
        #expect(left.isEmpty, "scratch folders of the killed grader: \(left)")
    }

    @Test("--isolation none: on the host, said and recorded, the process group is cleaned up; without bubblewrap auto and required exit 2")
    func fallback() async throws {
        guard let binary = FixtureGradingTests.udpchatBinary else {
            print("fallback test skipped: no .build/debug/udpchat (swift build)")
            return
        }
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let marker = "HOSTILE-\(UInt32.random(in: 0...UInt32.max))"
        let manifest = try Self.manifestFile(in: folder, """
            name: grouped
            role: server
            command: ["/usr/bin/python3", "hostile/hostile.py", "--group", "\(marker)", "--port", "{port}"]
            workdir: \(Self.iut)
            """)
        let cwd = FileManager.default.currentDirectoryPath
        let json = folder + "/host.json"
        let host = try await IUTProcess.launch([binary, "grade", manifest, "--isolation", "none", "--cases", "S-REGISTER,S-LEAVE", "--json", json],
                                               workdir: cwd, name: "grade")
        #expect(await host.waitForExit(timeout: .seconds(120)) == ProcessExit(status: 0), "\(host.lines(.stderr))")
        let recorded = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect((recorded?["isolation"] as? String)?.hasPrefix("none: the implementations ran on the host, unsandboxed") == true,
                "the report records that the code ran unsandboxed: \(recorded?["isolation"] ?? "nothing")")
        #expect(host.lines(.stderr).filter { $0.contains("--isolation none: the implementations run on the host, unsandboxed") }.count == 1)
        #expect(host.lines(.stdout).contains { $0.contains("summary: PASS 2") })
        #expect(await Self.survivors(marker).isEmpty, "the child in the implementation's process group outlived its case")

        // No bubblewrap on PATH: untrusted code never runs on the host unless asked: `auto` and `required`
        // exit 2, saying what to install and how to run on the host anyway.
        let noBwrap = ["PATH": folder]
        for isolation in ["auto", "required"] {
            let run = try await IUTProcess.launch([binary, "grade", manifest, "--isolation", isolation], workdir: cwd, env: noBwrap, name: "grade")
            #expect(await run.waitForExit(timeout: .seconds(60)) == ProcessExit(status: 2), "\(isolation): \(run.lines(.stderr))")
            #expect(run.lines(.stderr).contains { $0.contains("no sandbox: bubblewrap (bwrap) is not installed: apt-get install bubblewrap") && $0.contains("--isolation none") },
                    "\(isolation): \(run.lines(.stderr))")
            #expect(!run.lines(.stdout).contains { $0.contains("PASS") }, "nothing was graded")
        }
    }

    @Test("setup errors exit 2: a command that cannot be started, a missing workdir, --cases selecting nothing")
    func setupErrorsExit2() async throws {
        guard let binary = FixtureGradingTests.udpchatBinary else {
            print("setup error test skipped: no .build/debug/udpchat (swift build)")
            return
        }
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cwd = FileManager.default.currentDirectoryPath
        let ghost = try Self.manifestFile(in: folder, "role: server\ncommand: [\"no-such-program-udpchat\", \"{port}\"]\n")
        for (arguments, message) in [
            ([ghost, "--isolation", "none"], "'no-such-program-udpchat' is not on PATH"),
            ([ghost], "'no-such-program-udpchat' is not on PATH"),
            ([FixtureGradingTests.faulty + "/server-correct.yaml", "--cases", "NOPE*"], "select no server case"),
        ] {
            let run = try await IUTProcess.launch([binary, "grade"] + arguments, workdir: cwd, name: "grade")
            #expect(await run.waitForExit(timeout: .seconds(120)) == ProcessExit(status: 2), "\(arguments): \(run.lines(.stderr))")
            #expect(run.lines(.stderr).contains { $0.contains(message) }, "\(arguments): \(run.lines(.stderr))")
            if arguments[0] == ghost {
                // Found before the first case: one ERROR row, no case run.
                #expect(run.lines(.stdout).filter { $0.contains("(no case was run)") }.count == 1, "\(run.lines(.stdout))")
                #expect(!run.lines(.stdout).contains { $0.contains("S-REGISTER-REPEAT") }, "\(run.lines(.stdout))")
            }
        }
        let noWorkdir = try Self.manifestFile(in: folder, "role: server\ncommand: [\"python3\"]\nworkdir: /no/such/folder\n")
        let run = try await IUTProcess.launch([binary, "grade", noWorkdir], workdir: cwd, name: "grade")
        #expect(await run.waitForExit(timeout: .seconds(60)) == ProcessExit(status: 2))
    }
}
