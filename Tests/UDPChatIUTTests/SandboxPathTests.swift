import Foundation
import Testing
@testable import UDPChatIUT

/// A sandbox's /tmp is private, so what lives under the host's /tmp (a clone built there, as a CI
/// job may do) is bound back in, read-only, by its top folder; never a case's scratch folder.
@Suite struct SandboxPathTests {
    @Test func foldersUnderTmpAreBoundBackByTheirTopFolder() throws {
        let top = "/tmp/udpchat-roots-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: top + "/build/debug", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: top) }
        #expect(Sandbox.tmpRoots([top + "/build/debug/udpchat", top + "/Fixtures", "/usr/bin/python3"]) == [top])
        #expect(Sandbox.tmpRoots(["/usr/bin/env", "relative/path", "/tmp"]) == [])
        #expect(Sandbox.tmpRoots(["/tmp/\(Sandbox.scratchPrefix)1-abc/work"]) == [])
        #expect(Sandbox.tmpRoots(["/tmp/no-such-folder-\(UInt32.random(in: 0...UInt32.max))/x"]) == [])
    }

    @Test func theCaseSandboxSeesTmpRootsReadOnlyAndTheConfinementPlan() throws {
        let top = "/tmp/udpchat-roots-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: top + "/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: top) }
        let manifest = Manifest(name: "x", role: .server, command: ["true"], workdir: top)
        let sandbox = try Sandbox.prepare(for: [manifest], limits: .defaults)
        defer { sandbox.remove() }
        let command = sandbox.command([top + "/bin/worker"])
        #expect(command.indices.dropLast(2).contains { command[$0] == "--ro-bind" && command[$0 + 1] == top && command[$0 + 2] == top },
                "the /tmp root is bound read-only: \(command)")
        #expect(!command.contains("--proc"), "the case's sandbox binds the host's /proc (the implementation's mounts its own): \(command)")
        let plan = try #require(command.indices.dropLast().first { command[$0] == Confinement.environmentKey }.map { command[$0 + 1] })
        let confinement = try JSONDecoder().decode(Confinement.self, from: Data(plan.utf8))
        #expect(confinement.tmpBytes == Limits.defaults.diskBytes)
        #expect(confinement.mode == (geteuid() == 0 ? .root : .user))
    }
}
