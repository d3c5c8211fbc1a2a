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
                       "host-processes", "env-secret", "shadow", "root-home", "home", "read-path", "tiocsti"]
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
}
