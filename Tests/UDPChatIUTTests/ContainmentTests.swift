// The pieces of containment that need no namespace: safe copies of a hostile folder, bounded output,
// the syscall filter's program, the cgroup counters' reading.
import Foundation
import Testing
@testable import UDPChatIUT
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ContainmentTests {
    static func folder() throws -> String {
        var template = Array("/tmp/udpchat-containment-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }

    @Test("a FIFO, a device-like entry and outward symlinks are never copied; inward symlinks are, but never into artifacts")
    func safeCopySkipsWhatCouldHangOrLeak() throws {
        let source = try Self.folder(), target = try Self.folder(), artifact = try Self.folder()
        defer { for path in [source, target, artifact] { try? FileManager.default.removeItem(atPath: path) } }
        try "print('hi')".write(toFile: source + "/main.py", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: source + "/sub", withIntermediateDirectories: true)
        try "x".write(toFile: source + "/sub/data.txt", atomically: true, encoding: .utf8)
        #expect(mkfifo(source + "/pipe", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: source + "/shadow", withDestinationPath: "/etc/shadow")
        try FileManager.default.createSymbolicLink(atPath: source + "/escape", withDestinationPath: "../../..")
        try FileManager.default.createSymbolicLink(atPath: source + "/inside", withDestinationPath: "sub/data.txt")
        // A FIFO with no writer would block a reader forever: the copy must not open it.
        let skipped = try SafeCopy.copy(source, to: target + "/copy", symlinks: true)
        let copied = try FileManager.default.contentsOfDirectory(atPath: target + "/copy").sorted()
        #expect(copied == ["inside", "main.py", "sub"], "\(copied)")
        #expect(Set(skipped) == ["pipe", "shadow", "escape"], "\(skipped)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target + "/copy/inside") == "sub/data.txt")
        try SafeCopy.copy(target + "/copy", to: artifact + "/kept", symlinks: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: artifact + "/kept").sorted() == ["main.py", "sub"])
    }

    @Test("a folder past the size limit is measured as too large, and a copy stops at the limit")
    func copiesAreCapped() throws {
        let source = try Self.folder(), target = try Self.folder()
        defer { for path in [source, target] { try? FileManager.default.removeItem(atPath: path) } }
        for index in 0...SafeCopy.limitFiles { _ = FileManager.default.createFile(atPath: "\(source)/f\(index)", contents: nil) }
        #expect(SafeCopy.measure(source) == nil)
        let skipped = try SafeCopy.copy(source, to: target + "/copy", symlinks: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target + "/copy").count == SafeCopy.limitFiles)
        #expect(skipped.last?.hasPrefix("(the rest: over") == true)
    }

    @Test("a program that prints without end costs a bounded amount: 1 MiB kept, then one line saying so, then no more reading")
    func outputIsBounded() async throws {
        let process = try await IUTProcess.launch(["/bin/sh", "-c", "yes 0123456789012345678901234567890123456789"], workdir: "/")
        defer { Task { await process.stop() } }
        let budget = IUTProcess.OutputBudget.implementation
        var waited = 0
        while process.lines().last?.hasPrefix("[udpchat: stdout past") != true, waited < 600 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        let lines = process.lines()
        #expect(lines.last == "[udpchat: stdout past 1 MiB is not kept; reading stops at 16 MiB]")
        #expect(lines.dropLast().reduce(0) { $0 + $1.utf8.count + 1 } <= budget.keptBytes)
        try await Task.sleep(for: .milliseconds(500))
        #expect(process.lines().count == lines.count, "nothing more is kept")
        #expect(process.exited == nil, "the program is blocked on its output, not killed")
        await process.stop()
    }

    @Test("the syscall filter compiles to a BPF program that names the calls it refuses")
    func seccompFilterCompiles() throws {
        let fd = try SeccompFilter.memoryFile()
        defer { close(fd) }
        var info = stat()
        #expect(fstat(fd, &info) == 0)
        // One 8-byte instruction per comparison at least: every denied call, the clone flags, ioctl and clone3.
        #expect(Int(info.st_size) >= 8 * (SeccompFilter.denied.count + 10), "\(info.st_size) bytes")
        #expect(SeccompFilter.denied.contains("ptrace") && SeccompFilter.denied.contains("setns") && SeccompFilter.denied.contains("pidfd_getfd"))
    }

    @Test("cgroup counters: an OOM kill, a refused fork and the CPU time each name their limit")
    func cgroupCountersNameTheLimit() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folders = ["memory", "pids", "cpu", "cpuacct"].map { "\(root)/\($0)/case" }
        for folder in folders { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let cgroup = CaseCgroup(folders: folders, root: root)
        let limits = Limits.defaults
        try "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n".write(toFile: folders[0] + "/memory.oom_control", atomically: true, encoding: .utf8)
        try "max 0\n".write(toFile: folders[1] + "/pids.events", atomically: true, encoding: .utf8)
        try "5000000000\n".write(toFile: folders[3] + "/cpuacct.usage", atomically: true, encoding: .utf8)
        #expect(cgroup.hit(limits) == nil)
        try "max 3\n".write(toFile: folders[1] + "/pids.events", atomically: true, encoding: .utf8)
        #expect(cgroup.hit(limits) == .processes(limits.processes))
        try "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n".write(toFile: folders[0] + "/memory.oom_control", atomically: true, encoding: .utf8)
        #expect(cgroup.hit(limits) == .memory(limits.memoryBytes))
        try "max 0\n".write(toFile: folders[1] + "/pids.events", atomically: true, encoding: .utf8)
        try "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n".write(toFile: folders[0] + "/memory.oom_control", atomically: true, encoding: .utf8)
        try "61000000000\n".write(toFile: folders[3] + "/cpuacct.usage", atomically: true, encoding: .utf8)
        #expect(cgroup.hit(limits) == .cpu(60))
    }

    @Test("cgroup v2: one folder, its limits written, and memory.events, pids.events and cpu.stat read")
    func unifiedCgroupCountersNameTheLimit() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/udpchat-case-1"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "cpuset cpu io memory pids\n".write(toFile: folder + "/cgroup.controllers", atomically: true, encoding: .utf8)
        let cgroup = CaseCgroup(folders: [folder], root: root)
        var limits = Limits.defaults
        limits.cpuShare = 0.5
        try cgroup.apply(limits)
        #expect(try String(contentsOfFile: folder + "/memory.max", encoding: .utf8) == String(512 << 20))
        #expect(try String(contentsOfFile: folder + "/pids.max", encoding: .utf8) == "128")
        #expect(try String(contentsOfFile: folder + "/cpu.max", encoding: .utf8) == "50000 100000")
        try "low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n".write(toFile: folder + "/memory.events", atomically: true, encoding: .utf8)
        #expect(cgroup.hit(limits) == nil, "reaching memory.max and reclaiming is not a kill")
        try "usage_usec 61000000\n".write(toFile: folder + "/cpu.stat", atomically: true, encoding: .utf8)
        #expect(cgroup.hit(limits) == .cpu(60))
        try "max 2\n".write(toFile: folder + "/pids.events", atomically: true, encoding: .utf8)
        #expect(cgroup.hit(limits) == .processes(128))
        try "oom_kill 1\n".write(toFile: folder + "/memory.events", atomically: true, encoding: .utf8)
        #expect(cgroup.hit(limits) == .memory(512 << 20))
    }

    @Test("cgroup v2 delegated to an ordinary user: its own cgroup is the parent, the grader moves into a leaf first, then controllers go down")
    func delegatedCgroupIsUsedInTheRightOrder() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let own = "/user.slice/user-1000.slice/session-1.scope"
        try FileManager.default.createDirectory(atPath: root + own, withIntermediateDirectories: true)
        try "cpuset cpu io memory pids\n".write(toFile: root + "/cgroup.controllers", atomically: true, encoding: .utf8)
        #expect(CaseCgroup.unifiedParent(root: root, own: own, isRoot: false) == nil, "not delegated: nothing there to write")
        for file in ["cgroup.procs", "cgroup.subtree_control"] { try "".write(toFile: root + own + "/" + file, atomically: true, encoding: .utf8) }
        try "cpu memory pids\n".write(toFile: root + own + "/cgroup.controllers", atomically: true, encoding: .utf8)
        let parent = try #require(CaseCgroup.unifiedParent(root: root, own: own, isRoot: false))
        #expect(parent == root + own)
        let cgroup = try CaseCgroup.makeUnified(in: parent, name: "case-1-x", delegated: true)
        #expect(try String(contentsOfFile: parent + "/udpchat-grader/cgroup.procs", encoding: .utf8) == String(getpid()), "the grader left the parent first")
        #expect(try String(contentsOfFile: parent + "/cgroup.subtree_control", encoding: .utf8) == "+memory +pids +cpu")
        #expect(cgroup.folders == [parent + "/udpchat-case-1-x"])
        #expect(CaseCgroup.unifiedParent(root: root, own: "/", isRoot: false) == nil)
    }
}
