import Foundation
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the per-case worker does inside its sandbox: bring up the private loopback, wrap the
/// implementation's command in its rlimits, and watch the memory and process limits.
public enum SandboxInside {
    /// A fresh network namespace has its loopback down: bring `lo` up (SIOCSIFFLAGS, as `ip link set lo up`).
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
        request.ifr_ifru.ifru_flags |= Int16(IFF_UP)
        guard ioctl(fd, UInt(SIOCSIFFLAGS), &request) == 0 else { throw .sandboxSetup("SIOCSIFFLAGS lo up: \(String(cString: strerror(errno)))") }
        #endif
    }

    /// `prlimit --cpu=… --fsize=… -- PROGRAM ARGS…` (util-linux), with PROGRAM already resolved.
    public static func limited(_ command: [String], workdir: String, limits: Limits) throws(UDPChatError) -> [String] {
        guard let prlimit = IUTProcess.which("prlimit") else { return command }
        let program = try IUTProcess.resolve(command[0], workdir: workdir)
        return [prlimit, "--cpu=\(limits.cpuSeconds)", "--fsize=\(limits.fileSizeBytes)", "--core=0", "--", program] + command.dropFirst()
    }

    /// The limit a process's ending signal names: SIGXCPU → CPU, SIGXFSZ → file size.
    public static func hit(by exit: ProcessExit, limits: Limits) -> Limits.Hit? {
        switch exit.signal {
        case SIGXCPU: .cpu(limits.cpuSeconds)
        case SIGXFSZ: .fileSize(limits.fileSizeBytes)
        default: nil
        }
    }
}

/// Watches every process of the sandbox but the worker (and the namespace's init): their resident
/// memory together and their number. Past a limit it kills them all and remembers which limit.
public final class LimitWatch: @unchecked Sendable {
    private let limits: Limits
    private let lock = NSLock()
    private var hitLimit: Limits.Hit?
    private var task: Task<Void, Never>?
    private let spared: Set<Int32>

    public init(limits: Limits) {
        self.limits = limits
        self.spared = [getpid(), 1]
    }

    /// The limit that was hit, if one was.
    public var hit: Limits.Hit? {
        lock.lock()
        defer { lock.unlock() }
        return hitLimit
    }

    public func start(every interval: Duration = .milliseconds(20)) {
        task = Task { [self] in
            while !Task.isCancelled {
                check()
                try? await Task.sleep(for: interval)
            }
        }
    }

    public func stop() { task?.cancel() }

    func check() {
        let pids = Self.processes().filter { !spared.contains($0) }
        var found: Limits.Hit?
        if pids.count > limits.processes {
            found = .processes(limits.processes)
        } else {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let resident = pids.reduce(0) { $0 + Self.residentPages($1) * page }
            if resident > limits.memoryBytes { found = .memory(limits.memoryBytes) }
        }
        guard let found else { return }
        lock.lock()
        if hitLimit == nil { hitLimit = found }
        lock.unlock()
        for pid in pids { kill(pid, SIGKILL) }
    }

    /// Process ids in this PID namespace's /proc.
    static func processes() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
    }

    /// Resident pages of `pid` (second field of /proc/PID/statm); 0 when it is gone.
    static func residentPages(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? Int(fields[1]) ?? 0 : 0
    }
}
