import UDPChatSupport

/// What a sandboxed implementation may use per case (the instructor's policy, or less where the
/// manifest's `limits:` asks for less; docs/GRADER.md, "Sandbox"). As root, a cgroup enforces memory
/// (tmpfs and shared memory included), tasks (threads included) and the CPU share; everywhere,
/// rlimits bound CPU seconds, file size and open files, tmpfs sizes bound the disk, and a watch over
/// the case's processes kills them all when a limit is passed. The wall-clock limit ends the whole case.
public struct Limits: Sendable, Equatable, Codable {
    /// CPU seconds per process (RLIMIT_CPU; the kernel sends SIGXCPU, then SIGKILL).
    public var cpuSeconds: Int
    /// Resident memory of all its processes together, in bytes.
    public var memoryBytes: Int
    /// Tasks at once in its sandbox: processes and threads.
    public var processes: Int
    /// The largest file it may write, in bytes (RLIMIT_FSIZE; SIGXFSZ).
    public var fileSizeBytes: Int
    /// Wall-clock time of a whole case; nil = the case's own timeout plus 30 s.
    public var wall: Duration?
    /// The share of one core its processes may use together (1 = one core), as root (a cgroup).
    public var cpuShare: Double = 1
    /// Open files per process (RLIMIT_NOFILE).
    public var openFiles: Int = 256
    /// What it may write: its copy of its workdir may grow by this much, and its /tmp holds this much.
    public var diskBytes: Int = 64 << 20

    public init(cpuSeconds: Int, memoryBytes: Int, processes: Int, fileSizeBytes: Int, wall: Duration?) {
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.processes = processes
        self.fileSizeBytes = fileSizeBytes
        self.wall = wall
    }

    public static let defaults = Limits(cpuSeconds: 60, memoryBytes: 512 << 20, processes: 128, fileSizeBytes: 64 << 20, wall: nil)

    /// The manifest keys, for messages and docs.
    public static let keys = ["cpu", "memory", "processes", "file-size", "wall", "cpu-share", "open-files", "disk"]

    /// The limits of several implementations in one case's sandbox, for what is counted across them
    /// all (memory, tasks, disk, CPU time and share add up); per-process limits stay the largest.
    public static func together(_ all: [Limits]) -> Limits {
        guard var sum = all.first else { return .defaults }
        for limits in all.dropFirst() {
            sum.cpuSeconds += limits.cpuSeconds
            sum.memoryBytes += limits.memoryBytes
            sum.processes += limits.processes
            sum.fileSizeBytes = max(sum.fileSizeBytes, limits.fileSizeBytes)
            sum.cpuShare += limits.cpuShare
            sum.openFiles = max(sum.openFiles, limits.openFiles)
            sum.diskBytes += limits.diskBytes
        }
        sum.wall = nil
        return sum
    }

    /// These limits, lowered to `ceiling` wherever they ask for more: a manifest may ask for less
    /// than the instructor's policy, never more.
    public func capped(by ceiling: Limits) -> Limits {
        var limits = self
        limits.cpuSeconds = min(cpuSeconds, ceiling.cpuSeconds)
        limits.memoryBytes = min(memoryBytes, ceiling.memoryBytes)
        limits.processes = min(processes, ceiling.processes)
        limits.fileSizeBytes = min(fileSizeBytes, ceiling.fileSizeBytes)
        limits.wall = [wall, ceiling.wall].compactMap { $0 }.min()
        limits.cpuShare = min(cpuShare, ceiling.cpuShare)
        limits.openFiles = min(openFiles, ceiling.openFiles)
        limits.diskBytes = min(diskBytes, ceiling.diskBytes)
        return limits
    }

    /// `512 MiB`, `1.5 GiB`, `64 KiB`.
    public static func formatBytes(_ bytes: Int) -> String {
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= size {
            let value = Double(bytes) / Double(size)
            return value == value.rounded() ? "\(Int(value)) \(unit)" : "\((value * 10).rounded() / 10) \(unit)"
        }
        return "\(bytes) B"
    }

    /// Parses `512MiB`, `1GiB`, `100MB`, `64k`, or a plain number of bytes.
    public static func parseBytes(_ text: String) -> Int? {
        let trimmed = text.filter { $0 != " " && $0 != "_" }
        let gib = Double(1 << 30), mib = Double(1 << 20), kib = Double(1 << 10)
        let units: [(String, Double)] = [("GiB", gib), ("MiB", mib), ("KiB", kib), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3),
                                         ("G", gib), ("M", mib), ("K", kib), ("k", kib), ("B", 1)]
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value > 0, value * scale < 9e18 else { return nil }
        return Int(value * scale)
    }

    /// The verdict text for a limit the case hit, e.g. `killed: memory limit 512 MiB`.
    public enum Hit: Sendable, Equatable, Codable {
        case cpu(Int), memory(Int), processes(Int), fileSize(Int), wall(Duration)

        public var description: String {
            switch self {
            case .cpu(let seconds): "killed: CPU limit \(seconds) s"
            case .memory(let bytes): "killed: memory limit \(Limits.formatBytes(bytes))"
            case .processes(let count): "killed: process limit \(count)"
            case .fileSize(let bytes): "killed: file size limit \(Limits.formatBytes(bytes))"
            case .wall(let duration): "killed: wall-clock limit \(duration.compactDescription)"
            }
        }
    }
}
