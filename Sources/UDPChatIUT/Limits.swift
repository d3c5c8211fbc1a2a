import UDPChatSupport

/// What a sandboxed implementation may use per case (the manifest's `limits:`; docs/GRADER.md).
/// CPU seconds and file size are rlimits (`prlimit`); memory and processes are watched across every
/// process of the case's sandbox; the wall-clock limit ends the whole case.
public struct Limits: Sendable, Equatable, Codable {
    /// CPU seconds per process (RLIMIT_CPU; the kernel sends SIGXCPU, then SIGKILL).
    public var cpuSeconds: Int
    /// Resident memory of all its processes together, in bytes.
    public var memoryBytes: Int
    /// Processes (and threads' leaders) at once in its sandbox.
    public var processes: Int
    /// The largest file it may write, in bytes (RLIMIT_FSIZE; SIGXFSZ).
    public var fileSizeBytes: Int
    /// Wall-clock time of a whole case; nil = the case's own timeout plus 30 s.
    public var wall: Duration?

    public init(cpuSeconds: Int, memoryBytes: Int, processes: Int, fileSizeBytes: Int, wall: Duration?) {
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.processes = processes
        self.fileSizeBytes = fileSizeBytes
        self.wall = wall
    }

    public static let defaults = Limits(cpuSeconds: 60, memoryBytes: 512 << 20, processes: 64, fileSizeBytes: 64 << 20, wall: nil)

    /// The manifest keys, for messages and docs.
    public static let keys = ["cpu", "memory", "processes", "file-size", "wall"]

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
