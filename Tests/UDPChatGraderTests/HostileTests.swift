// Hostile submissions against the sandbox (issue 18): each attack of Fixtures/iut/hostile/attacks.py
// must fail, the honest part of the program must still be graded as it deserves, and a limit that is
// hit must be named in the verdict. They print why and return where the system forbids namespaces.
import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct HostileTests {
    static func attacker(_ attacks: [String], fault: String = "none", limits: String? = nil, env: [String: String] = [:]) -> Manifest {
        var manifest = Manifest(name: "hostile", role: .server,
                                command: ["python3", "hostile/attacks.py"] + attacks.flatMap { ["--attack", $0] } + ["--port", "{port}", "--fault", fault],
                                workdir: SandboxTests.iut, env: env)
        if let limits, let parsed = try? Manifest.parse(yaml: "role: server\ncommand: [x]\nlimits: \(limits)\n", path: "m.yaml", folder: "/") {
            manifest.limits = parsed.limits
            manifest.limitKeys = parsed.limitKeys
        }
        return manifest
    }

    /// What the program said of its attacks: `attack NAME: ESCAPED …` / `attack NAME: contained …`.
    static func claims(_ report: GradeReport) -> [String] {
        report.cases.flatMap(\.events).filter { $0.kind == .stderr && $0.text.hasPrefix("attack ") }.map(\.text)
    }

    @Test("escapes fail, and a faulty server's FAIL stays a FAIL: no forged verdict, no host write, no secret read")
    func escapesAreContained() async throws {
        guard let plan = await SandboxTests.plan() else { return }
        // What must stay out of reach: a file of another submission (the answer key), a host TCP port, a secret.
        let outside = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try "the answer key".write(toFile: outside + "/key.txt", atomically: true, encoding: .utf8)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        #expect(listen(listener, 4) == 0)
        setenv("SECRET", "hunter2", 1)
        defer { unsetenv("SECRET") }
        let attacks = ["forge", "umount-proc", "remount-root", "mount-tmpfs", "write-host", "setns", "unshare-user", "ptrace", "host-tcp",
                       "host-processes", "env-secret", "proc-environ", "shadow", "root-home", "home", "read-path", "tiocsti"]
        let manifest = Self.attacker(attacks, fault: "no-repeat",
                                     env: ["ATTACK_PORT": String(UInt16(bigEndian: address.sin_port)), "ATTACK_PATH": outside + "/key.txt"])
        let report = await SandboxTests.grade(manifest, cases: ["S-REGISTER", "S-REGISTER-REPEAT"], rto: 0.3, sandbox: plan)
        #expect(report.cases.map(\.verdict) == [.pass, .fail], "the honest part is graded as it deserves: \(report.cases.map(\.detail))")
        let claims = Self.claims(report)
        for attack in attacks {
            #expect(claims.contains { $0.hasPrefix("attack \(attack): contained") }, "\(attack): \(claims.filter { $0.contains(attack) })")
        }
        #expect(!claims.contains { $0.contains("ESCAPED") }, "\(claims.filter { $0.contains("ESCAPED") })")
        #expect(!FileManager.default.fileExists(atPath: "/usr/udpchat-escaped"))
        #expect(!report.cases.flatMap(\.events).contains { $0.text.contains("hunter2") || $0.text.contains("the answer key") })
    }

    /// `grade --stand-in`: the reference client stands in beside a hostile server, unconfined in the case's
    /// sandbox. Three seconds in (the clients run), the server looks for it — other processes to kill or
    /// forge a PASS on, a stand-in's dialect file in /tmp — and finds nothing in reach (its own PID
    /// namespace and /tmp); its fault (no answer to a repeated join) still FAILs, the table still PASSes.
    @Test("a server graded with a stand-in cannot reach it: no process to kill or forge on, no file of it to read")
    func theStandInIsOutOfReach() async throws {
        guard let plan = await SandboxTests.plan(), let binary = FixtureGradingTests.udpchatBinary else { return }
        let pair = try WholeSubmission.standIn(for: Self.attacker(["stand-in"], fault: "no-repeat"), executable: binary).get()
        var options = GradeOptions()
        options.rto = .milliseconds(500)
        options.cases = ["W-JOIN-REPEAT", "W-TABLE"]
        options.sandbox = plan
        let report = await Grader.run(whole: pair, options: options)
        let verdicts = Dictionary(uniqueKeysWithValues: report.cases.map { ($0.id, $0) })
        if let repeated = verdicts["W-JOIN-REPEAT"], !WholeImpairedGradingTests.relayMissing(repeated) {
            #expect(repeated.verdict == .fail && repeated.detail.contains("never answered the repeat"), "\(repeated.detail)")
        }
        #expect(verdicts["W-TABLE"]?.verdict.isConforming == true, "\(verdicts["W-TABLE"]?.detail ?? "not run")")
        let claims = Self.claims(report)
        #expect(claims.contains { $0.hasPrefix("attack stand-in: contained") }, "\(claims)")
        #expect(!claims.contains { $0.contains("ESCAPED") }, "\(claims)")
    }

    @Test("limits hold and are named: tasks, threads, memory asked beyond the policy, CPU", arguments: [
        ("fork-bomb", "{processes: 32}", "killed: process limit 32"),
        ("threads", "{processes: 32}", "killed: process limit 32"),
        ("memory", "{memory: 64GiB}", "killed: memory limit 512 MiB"),
        ("cpu", "{cpu: 1s}", "killed: CPU limit 1 s"),
    ])
    func limitsAreNamed(attack: String, limits: String, expected: String) async throws {
        guard let plan = await SandboxTests.plan() else { return }
        let report = await SandboxTests.grade(Self.attacker([attack], limits: limits), cases: ["S-REGISTER"], rto: 0.3, sandbox: plan)
        let result = try #require(report.cases.first)
        #expect(result.verdict == .error)
        #expect(result.detail.hasPrefix(expected), "\(result.detail)")
    }

    @Test("disk: /tmp, memory files and the workdir copy are bounded, nothing reaches the host's disk, and the program is still graded")
    func diskIsBounded() async throws {
        guard let plan = await SandboxTests.plan() else { return }
        let before = Self.freeBytes("/tmp")
        let report = await SandboxTests.grade(Self.attacker(["fill-tmp", "memfd", "many-files"], limits: "{disk: 16MiB, file-size: 8MiB}"),
                                              cases: ["S-REGISTER"], rto: 0.3, sandbox: plan)
        let claims = Self.claims(report)
        #expect(report.cases.map(\.verdict) == [.pass], "\(report.cases.map(\.detail)) \(claims)")
        for attack in ["fill-tmp", "memfd", "many-files"] {
            #expect(claims.contains { $0.hasPrefix("attack \(attack): contained") && $0.contains("Errno") }, "\(claims)")
        }
        #expect(before - Self.freeBytes("/tmp") < 64 << 20, "the host's disk did not take the writes")
    }

    static func freeBytes(_ path: String) -> Int {
        var info = statvfs()
        return statvfs(path, &info) == 0 ? Int(info.f_bavail) * Int(info.f_frsize) : 0
    }

    @Test("a submitted folder with a FIFO, a socket-like entry and a symlink to /etc/shadow is graded at once, and the link never reaches the artifacts")
    func hostileFolderIsCopiedSafely() async throws {
        guard let plan = await SandboxTests.plan() else { return }
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let submission = folder + "/submission"
        try FileManager.default.createDirectory(atPath: submission, withIntermediateDirectories: true)
        for file in ["server.py", "udpwire.py"] {
            try FileManager.default.copyItem(atPath: SandboxTests.faulty + "/" + file, toPath: submission + "/" + file)
        }
        #expect(mkfifo(submission + "/pipe", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: submission + "/shadow", withDestinationPath: "/etc/shadow")
        let manifest = Manifest(name: "fifo", role: .server, command: ["python3", "server.py", "--port", "{port}"], workdir: submission)
        let started = ContinuousClock.now
        let report = await SandboxTests.grade(manifest, cases: ["S-REGISTER"], rto: 0.3, sandbox: plan, artifacts: folder + "/artifacts")
        #expect(report.cases.map(\.verdict) == [.pass], "\(report.cases.map(\.detail))")
        #expect(ContinuousClock.now - started < .seconds(30), "the FIFO did not hang the copy")
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder + "/artifacts/S-REGISTER/workdir")
        #expect(!kept.contains("shadow") && !kept.contains("pipe"), "\(kept)")
    }

    @Test("as an ordinary user the same attacks are contained and the honest part graded (rlimits and the process watch)")
    func ordinaryUserIsContainedToo() async throws {
        guard let binary = FixtureGradingTests.udpchatBinary, await SandboxTests.plan() != nil else { return }
        guard geteuid() == 0, let setpriv = IUTProcess.which("setpriv") else {
            print("ordinary-user test skipped: it needs root to become an ordinary user (setpriv)")
            return
        }
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        chmod(folder, 0o777)
        let json = folder + "/report.json"
        let manifest = folder + "/hostile.yaml"
        try """
            role: server
            command: ["python3", "hostile/attacks.py", "--attack", "forge", "--attack", "setns", "--attack", "ptrace", "--attack", "shadow",
                      "--attack", "fork-bomb", "--port", "{port}"]
            workdir: \(SandboxTests.iut)
            limits: {processes: 32}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        chmod(manifest, 0o644)
        let run = try await IUTProcess.launch([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", binary, "grade", manifest,
                                               "--cases", "S-REGISTER", "--rto", "300ms", "--json", json],
                                              workdir: folder, env: ["HOME": folder], name: "grade")
        let exit = await run.waitForExit(timeout: .seconds(120))
        guard FileManager.default.fileExists(atPath: json) else {
            // The build folder may not be readable by an ordinary user (a private clone): say so, as a skip.
            print("ordinary-user test skipped: the grader could not run as uid 65534 (\(exit?.description ?? "running")): \(run.lines(.stderr).suffix(3))")
            return
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let result = try #require((report["cases"] as? [[String: Any]])?.first)
        #expect(result["verdict"] as? String == "ERROR")
        #expect((result["detail"] as? String)?.hasPrefix("killed: process limit 32") == true, "\(result["detail"] ?? "")")
        let said = ((result["events"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String }.filter { $0.hasPrefix("attack ") }
        for attack in ["forge", "setns", "ptrace", "shadow"] {
            #expect(said.contains { $0.hasPrefix("attack \(attack): contained") }, "\(attack): \(said)")
        }
        #expect((report["isolation"] as? String)?.contains("rlimits") == true, "\(report["isolation"] ?? "")")
    }

    @Test("an --interop pair cannot be forged: a hostile client's attacks fail inside the pair's sandbox and the chat is judged on what happened")
    func interopPairIsContained() async throws {
        guard let plan = await SandboxTests.plan() else { return }
        let correct = try Manifest.load(path: "\(SandboxTests.faulty)/client-correct.yaml")
        var hostile = correct
        hostile.name = "hostile-client"
        hostile.workdir = SandboxTests.iut
        hostile.command = ["python3", "hostile/attacks.py", "--as-client", "--attack", "forge", "--attack", "host-processes",
                           "--attack", "env-secret"] + correct.command.dropFirst(2)
        let server = ["python3", "\(SandboxTests.faulty)/server.py", "--port", "{port}"]
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        setenv("SECRET", "hunter2", 1)
        defer { unsetenv("SECRET") }
        let results = await Interop.run(clients: [hostile, correct], serverCommand: server, rto: .milliseconds(300), artifacts: folder, sandbox: plan)
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0.verdict == .pass }, "the honest chat still passes: \(results.map(\.detail))")
        var said: [String] = []
        for index in 1...results.count {
            let trace = (try? String(contentsOfFile: "\(folder)/interop-\(index)/trace.txt", encoding: .utf8)) ?? ""
            said += trace.split(separator: "\n").map(String.init).filter { $0.contains("attack ") }
        }
        #expect(said.contains { $0.contains("attack forge: contained") }, "\(said)")
        #expect(!said.contains { $0.contains("ESCAPED") } && !said.joined().contains("hunter2"), "\(said)")
    }
}
