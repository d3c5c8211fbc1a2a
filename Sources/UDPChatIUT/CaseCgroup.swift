// A case's cgroup (v2 where the host has the unified hierarchy — as root, or as an ordinary user
// whose own cgroup is delegated to it — else v1 as root: the kernel enforces its memory, including
// tmpfs and shared memory, its tasks, threads included, and its CPU share), made by the grader
// before the case's sandbox starts and removed after it ends; and the worker's reading of what it
// counted.
import Foundation
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

public struct CaseCgroup: Sendable {
    /// One folder per controller: `/sys/fs/cgroup/memory/udpchat-case-…`, … Each case's cgroup sits
    /// at the top of its hierarchy: under a common parent, all cases together would weigh as much
    /// as one process in the CPU scheduler, and a busy machine would starve them.
    public let folders: [String]
    /// Where the hierarchies are mounted (another folder in tests).
    let root: String

    /// The cgroup v1 hierarchies used: memory, tasks, CPU share, CPU time.
    static let controllers = ["memory", "pids", "cpu", "cpuacct"]
    static let root = "/sys/fs/cgroup"

    /// `cgroup v2`, `cgroup v2 (delegated)` or `cgroup v1` when this process can make cgroups here,
    /// else nil.
    public static var kind: String? {
        if let parent = unifiedParent() { return parent == root ? "cgroup v2" : "cgroup v2 (delegated)" }
        guard geteuid() == 0 else { return nil }
        return controllers.allSatisfy { access("\(root)/\($0)/cgroup.procs", W_OK) == 0 } ? "cgroup v1" : nil
    }

    public static var available: Bool { kind != nil }

    /// True when the v2 folder offers the memory, pids and cpu controllers.
    static func offers(_ folder: String) -> Bool {
        let offered = lines("\(folder)/cgroup.controllers").first?.split(separator: " ") ?? []
        return ["memory", "pids", "cpu"].allSatisfy { offered.contains(Substring($0)) }
    }

    /// Where v2 case cgroups go: the hierarchy's root, as root; or, as an ordinary user, this process's
    /// own cgroup when it is delegated to this user (systemd's `Delegate=`: its cgroup.procs and
    /// cgroup.subtree_control writable, the controllers offered). nil when neither.
    static func unifiedParent(root: String = root, own: String? = ownCgroup(), isRoot: Bool = geteuid() == 0) -> String? {
        if isRoot { return offers(root) && access("\(root)/cgroup.procs", W_OK) == 0 ? root : nil }
        guard let own, own != "/", FileManager.default.fileExists(atPath: "\(root)/cgroup.controllers") else { return nil }
        let folder = root + own
        let delegated = ["cgroup.procs", "cgroup.subtree_control"].allSatisfy { access("\(folder)/\($0)", W_OK) == 0 }
        return delegated && offers(folder) ? folder : nil
    }

    /// This process's cgroup v2 path (`0::/user.slice/…` in /proc/self/cgroup), if it has one.
    static func ownCgroup() -> String? {
        lines("/proc/self/cgroup").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) }
    }

    /// Makes the case's cgroup with `limits`; nil when cgroups are not available here.
    public static func make(name: String, limits: Limits) throws(UDPChatError) -> CaseCgroup? {
        guard available else { return nil }
        removeStale()
        let cgroup = if let parent = unifiedParent() {
            try makeUnified(in: parent, name: name, delegated: parent != root)
        } else {
            try makeV1(name: name)
        }
        do {
            try cgroup.apply(limits)
        } catch {
            cgroup.remove()
            throw error
        }
        return cgroup
    }

    private static func makeV1(name: String) throws(UDPChatError) -> CaseCgroup {
        var folders: [String] = []
        for controller in controllers {
            let folder = "\(root)/\(controller)/udpchat-\(name)"
            guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else {
                CaseCgroup(folders: folders).remove()
                throw .sandboxSetup("cannot make the cgroup \(folder)")
            }
            folders.append(folder)
        }
        return CaseCgroup(folders: folders)
    }

    /// v2: one folder under `parent`, whose subtree gets the controllers first. A delegated parent
    /// holds the grader itself, and cgroup v2 lets a cgroup with processes hand no controllers down:
    /// the grader first moves into a leaf of its own (`udpchat-grader`), once.
    static func makeUnified(in parent: String, name: String, delegated: Bool) throws(UDPChatError) -> CaseCgroup {
        if delegated { try moveIntoLeaf(parent) }
        try? "+memory +pids +cpu".write(toFile: "\(parent)/cgroup.subtree_control", atomically: false, encoding: .utf8)
        let folder = "\(parent)/udpchat-\(name)"
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)) != nil else {
            throw .sandboxSetup("cannot make the cgroup \(folder)")
        }
        return CaseCgroup(folders: [folder], root: parent)
    }

    static func moveIntoLeaf(_ parent: String) throws(UDPChatError) {
        let leaf = "\(parent)/udpchat-grader"
        if lines("\(leaf)/cgroup.procs").contains(String(getpid())) { return }
        try? FileManager.default.createDirectory(atPath: leaf, withIntermediateDirectories: false)
        guard (try? String(getpid()).write(toFile: "\(leaf)/cgroup.procs", atomically: false, encoding: .utf8)) != nil else {
            throw .sandboxSetup("cannot move the grader into \(leaf) (a delegated cgroup hands controllers down only from a cgroup without processes)")
        }
    }

    /// True for a v2 cgroup (one folder, unified files).
    var isUnified: Bool { folders.count == 1 && FileManager.default.fileExists(atPath: folders[0] + "/cgroup.controllers") }

    func apply(_ limits: Limits) throws(UDPChatError) {
        let quota = String(Int(limits.cpuShare * 100_000))
        if isUnified {
            try write(folders[0], "memory.max", String(limits.memoryBytes))
            try? write(folders[0], "memory.swap.max", "0")
            try write(folders[0], "pids.max", String(limits.processes))
            try write(folders[0], "cpu.max", "\(quota) 100000")
            return
        }
        try write(folder("memory"), "memory.limit_in_bytes", String(limits.memoryBytes))
        try? write(folder("memory"), "memory.memsw.limit_in_bytes", String(limits.memoryBytes))
        try write(folder("pids"), "pids.max", String(limits.processes))
        try write(folder("cpu"), "cpu.cfs_period_us", "100000")
        try write(folder("cpu"), "cpu.cfs_quota_us", quota)
    }

    init(folders: [String], root: String = CaseCgroup.root) {
        self.folders = folders
        self.root = root
    }

    /// The folder of `controller` (v1), or the one folder (v2).
    func folder(_ controller: String) -> String? {
        isUnified ? folders[0] : folders.first { $0.hasPrefix("\(root)/\(controller)/") }
    }

    func write(_ folder: String?, _ file: String, _ value: String) throws(UDPChatError) {
        guard let folder else { return }
        guard (try? value.write(toFile: "\(folder)/\(file)", atomically: false, encoding: .utf8)) != nil else {
            throw .sandboxSetup("cannot set \(folder)/\(file) to \(value)")
        }
    }

    /// Kills whatever is left in it, then removes its folders.
    public func remove() {
        killAll()
        for folder in folders {
            for _ in 0..<50 where rmdir(folder) != 0 && errno == EBUSY { usleep(10_000) }
        }
    }

    /// SIGKILL to every process in it (its processes as this process's PID namespace numbers them).
    public func killAll() {
        guard let folder = folders.first else { return }
        for _ in 0..<3 {
            let pids = Self.lines("\(folder)/cgroup.procs").compactMap { Int32($0) }
            if pids.isEmpty { return }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(5_000)
        }
    }

    /// The first limit the kernel counted as hit, if any; the CPU time is compared with `limits.cpuSeconds`.
    public func hit(_ limits: Limits) -> Limits.Hit? {
        if isUnified {
            let folder = folders[0]
            if Self.counter("\(folder)/memory.events", "oom_kill") > 0 { return .memory(limits.memoryBytes) }
            if Self.counter("\(folder)/pids.events", "max") > 0 { return .processes(limits.processes) }
            if Self.counter("\(folder)/cpu.stat", "usage_usec") >= limits.cpuSeconds * 1_000_000 { return .cpu(limits.cpuSeconds) }
            return nil
        }
        if let memory = folder("memory"), Self.counter("\(memory)/memory.oom_control", "oom_kill") > 0
            || Self.counter("\(memory)/memory.oom_control", "under_oom") > 0 {
            return .memory(limits.memoryBytes)
        }
        if let pids = folder("pids"), Self.counter("\(pids)/pids.events", "max") > 0 { return .processes(limits.processes) }
        if let cpu = folder("cpuacct"), let used = Int(Self.lines("\(cpu)/cpuacct.usage").first ?? ""),
           used >= limits.cpuSeconds * 1_000_000_000 {
            return .cpu(limits.cpuSeconds)
        }
        return nil
    }

    static func lines(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// `key N` in a flat-keyed cgroup file; 0 when absent.
    static func counter(_ path: String, _ key: String) -> Int {
        for line in lines(path) {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == key { return Int(fields[1]) ?? 0 }
        }
        return 0
    }

    /// Cgroups are `udpchat-case-<grader pid>-…`: those of graders that no longer run are removed.
    static func removeStale() {
        for parent in [unifiedParent() ?? root] + controllers.map({ "\(root)/\($0)" }) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where name.hasPrefix("udpchat-case-") {
                guard let pid = name.dropFirst(13).split(separator: "-").first.flatMap({ Int32($0) }) else { continue }
                if kill(pid, 0) != 0, errno == ESRCH { CaseCgroup(folders: ["\(parent)/\(name)"]).remove() }
            }
        }
    }
}
