import Foundation
import UDPChatHost
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

// What the per-case worker does inside the case's sandbox: bring up the private loopback, copy the
// workdirs into the case's tmpfs, start each implementation confined (ConfinedCommand), watch the
// limits, and keep the workdir as an artifact.

/// The worker's steps inside the case's sandbox.
public enum SandboxInside {
    /// The worker's first step in the case's sandbox: a /proc of the case's own PID namespace over the
    /// host's (which the sandbox shows so that the implementations' sandboxes may mount their own
    /// /proc: the kernel allows that only where a whole proc is already in view), then the loopback up.
    public static func enter() throws(UDPChatError) {
        #if os(Linux)
        guard mount("proc", "/proc", "proc", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), nil) == 0 else {
            throw .sandboxSetup("mount /proc: \(String(cString: strerror(errno)))")
        }
        #endif
        try bringUpLoopback()
    }

    /// A fresh network namespace has its loopback down: bring `lo` up (SIOCSIFFLAGS, as `ip link set lo up`),
    /// unless it is up already.
    public static func bringUpLoopback() throws(UDPChatError) {
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw .sandboxSetup("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { name in
            for (index, byte) in "lo".utf8.enumerated() { name[index] = byte }
        }
        guard ioctl(fd, UInt(SIOCGIFFLAGS), &request) == 0 else { throw .sandboxSetup("SIOCGIFFLAGS lo: \(String(cString: strerror(errno)))") }
        // Already up (bubblewrap's --unshare-net may have done it): setting the flags again would
        // need a capability the caller may not have.
        if request.ifr_ifru.ifru_flags & Int16(IFF_UP) != 0 { return }
        request.ifr_ifru.ifru_flags |= Int16(IFF_UP)
        guard ioctl(fd, UInt(SIOCSIFFLAGS), &request) == 0 else { throw .sandboxSetup("SIOCSIFFLAGS lo up: \(String(cString: strerror(errno)))") }
        #endif
    }

    /// The case's copies of the workdirs (workdir → copy), made by `prepareWorkdirs`.
    private static let copies = Copies()

    private final class Copies: @unchecked Sendable {
        private let lock = NSLock()
        private var map: [String: String] = [:]
        var value: [String: String] { lock.withLock { map } }
        func mutate(_ change: (inout [String: String]) -> Void) { lock.withLock { change(&map) } }
    }

    /// Copies each workdir (small enough to copy) into the case's tmpfs, owned by the implementation's uid.
    public static func prepareWorkdirs(_ workdirs: [String]) throws(UDPChatError) {
        guard let confinement = Confinement.current else { return }
        for workdir in Set(workdirs).sorted() where copies.value[workdir] == nil {
            guard SafeCopy.measure(workdir) != nil else { continue }
            let copy = "\(Confinement.workRoot)/\(copies.value.count + 1)"
            do {
                try SafeCopy.copy(workdir, to: copy, symlinks: true, owner: confinement.uid)
            } catch {
                throw .sandboxSetup("cannot copy \(workdir) into the case's sandbox: \(error.localizedDescription)")
            }
            copies.mutate { $0[workdir] = copy }
        }
    }

    /// The command that starts `command` confined (ConfinedCommand), inside a case's sandbox;
    /// outside one, `command` as it is.
    public static func confined(_ command: [String], workdir: String, env: [String: String], limits: Limits) throws(UDPChatError) -> [String] {
        guard let confinement = Confinement.current else { return command }
        return try ConfinedCommand.build(command, workdir: workdir, env: env, limits: limits, confinement: confinement,
                                         copy: copies.value[workdir])
    }

    /// Leaves the case's copy of `workdir` where the grader asked (`Confinement.keep`), without symlinks.
    public static func keepWorkdir(_ workdir: String) {
        guard let keep = Confinement.current?.keep, let copy = copies.value[workdir] else { return }
        _ = try? SafeCopy.copy(copy, to: keep, symlinks: false)
    }

    /// The limit a process's ending names: SIGXCPU → CPU, SIGXFSZ → file size (bubblewrap reports
    /// its program's death by signal N as exit status 128 + N).
    public static func hit(by exit: ProcessExit, limits: Limits) -> Limits.Hit? {
        let signal = exit.signal ?? (exit.status > 128 ? exit.status - 128 : 0)
        switch signal {
        case SIGXCPU: return .cpu(limits.cpuSeconds)
        case SIGXFSZ: return .fileSize(limits.fileSizeBytes)
        default: return nil
        }
    }
}

/// Watches the implementations of a case while it runs. With a cgroup (root) the kernel enforces
/// memory and tasks, and the watch reads what it counted (and the CPU time of them all together);
/// without one it adds up the resident memory and the tasks (threads included) of every process
/// below the worker. Past a limit it kills them all (`killAll`) and remembers which limit.
public final class LimitWatch: @unchecked Sendable {
    private let limits: Limits
    private let cgroup: CaseCgroup?
    private let killAll: @Sendable () -> Void
    private let lock = NSLock()
    private var hitLimit: Limits.Hit?
    private var task: Task<Void, Never>?

    /// `killAll` ends every implementation of the case (each bubblewrap takes its whole sandbox with it).
    public init(limits: Limits, killAll: @escaping @Sendable () -> Void) {
        self.limits = limits
        self.cgroup = Confinement.current.flatMap { $0.cgroups.isEmpty ? nil : CaseCgroup(folders: $0.cgroups) }
        self.killAll = killAll
    }

    /// The limit that was hit, if one was.
    public var hit: Limits.Hit? { lock.withLock { hitLimit } }

    public func start(every interval: Duration = .milliseconds(20)) {
        task = Task { [self] in
            while !Task.isCancelled {
                check()
                try? await Task.sleep(for: interval)
            }
        }
    }

    public func stop() {
        task?.cancel()
        check()
    }

    func check() {
        let found: Limits.Hit?
        if let cgroup {
            found = cgroup.hit(limits)
        } else {
            let tree = ProcessTree.belowSelf()
            // RLIMIT_NPROC stops the tasks at the limit itself: reaching it is hitting it.
            found = tree.tasks >= limits.processes ? .processes(limits.processes)
                : tree.residentBytes > limits.memoryBytes ? .memory(limits.memoryBytes) : nil
        }
        guard let found else { return }
        let first = lock.withLock {
            defer { if hitLimit == nil { hitLimit = found } }
            return hitLimit == nil
        }
        if first {
            killAll()
            cgroup?.killAll()
        }
    }
}

/// The processes below this one, read from the case's /proc (the implementations' own sandboxes
/// do not see it): their number of tasks and their memory together.
struct ProcessTree {
    var tasks = 0
    var residentBytes = 0

    static func belowSelf() -> ProcessTree {
        guard let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self")).flatMap(Int32.init) else { return ProcessTree() }
        let table = ProcessTable.read()
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var tree = ProcessTree()
        for pid in table.descendants(of: me) {
            tree.tasks += table.threads[pid] ?? 0
            tree.residentBytes += proportional(pid) ?? (table.residentPages[pid] ?? 0) * page
        }
        return tree
    }

    /// The process's proportional share of the memory it maps (Pss of smaps_rollup, in bytes): pages
    /// shared by forked processes count once across them, not once per process.
    static func proportional(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kib * 1024
    }
}
