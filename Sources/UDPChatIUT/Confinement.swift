// How an implementation under test is confined inside its case's sandbox: decided by the grader
// (the host side) when it makes the sandbox, handed to the worker in the sandbox's environment,
// and turned by the worker into the implementation's own bubblewrap (ConfinedCommand.swift).
import Foundation
import UDPChatSupport

/// The implementation's confinement: who runs it, what enforces its limits, what it sees.
public struct Confinement: Sendable, Codable, Equatable {
    /// The grader runs as root (the case's sandbox is root's; the implementation gets a host uid
    /// of its own and a cgroup), or as an ordinary user (everything inside a user namespace).
    public enum Mode: String, Sendable, Codable {
        case root, user
    }

    public var mode: Mode
    /// Root mode: the host uid and gid the implementation runs under, one per case, owning nothing
    /// on the host. nil in user mode (the implementation's uid maps to the grader's own).
    public var uid: UInt32?
    /// The case's cgroup folders (cgroup v1: memory, pids, cpu, cpuacct), writable in the case's
    /// sandbox so the implementation can be put in them. Empty: no cgroup here.
    public var cgroups: [String]
    /// What enforces the limits, for reports: `cgroup v1` or `rlimits`.
    public var enforcement: String
    /// The implementation's private /tmp (its HOME is there too), in bytes.
    public var tmpBytes: Int
    /// The tmpfs that holds the case's copies of the workdirs, in bytes: all the implementation can write there.
    public var workBytes: Int
    /// Host folders the implementation sees read-only (its system); symlinks among them stay symlinks.
    public var systemPaths: [String]
    /// A host folder, writable in the case's sandbox, where the worker leaves the case's copy of the
    /// first workdir when the case ends (an artifact); nil: thrown away.
    public var keep: String?

    public init(mode: Mode, uid: UInt32?, cgroups: [String], enforcement: String, tmpBytes: Int, workBytes: Int,
                systemPaths: [String], keep: String? = nil) {
        self.mode = mode
        self.uid = uid
        self.cgroups = cgroups
        self.enforcement = enforcement
        self.tmpBytes = tmpBytes
        self.workBytes = workBytes
        self.systemPaths = systemPaths
        self.keep = keep
    }

    /// What every implementation sees of the host: programs, libraries and their configuration.
    /// Not /home, /root, /srv, /var, /mnt, /media, the host's /tmp or /proc.
    public static let defaultSystemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"]

    /// The environment variable that carries it from the grader into the case's sandbox.
    static let environmentKey = "UDPCHAT_CONFINEMENT"

    /// Inside a case's sandbox: the confinement the grader chose (nil outside one).
    public static let current: Confinement? = {
        guard let text = ProcessInfo.processInfo.environment[environmentKey] else { return nil }
        return try? JSONDecoder().decode(Confinement.self, from: Data(text.utf8))
    }()

    var encoded: String {
        (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Where the case's copies of the workdirs live inside the case's sandbox (a tmpfs of `workBytes`).
    static let workRoot = "/tmp/udpchat-work"

    /// The environment an implementation starts with, whatever the grader's: nothing of the host's.
    static func baseEnvironment() -> [(String, String)] {
        [("PATH", "/usr/local/bin:/usr/bin:/bin"), ("LANG", "C.UTF-8"), ("HOME", "/tmp/home"), ("TMPDIR", "/tmp"),
         ("PYTHONUNBUFFERED", "1"), ("PYTHONDONTWRITEBYTECODE", "1")]
    }

    /// The uid and gid (inside its own user namespace) the implementation sees itself as.
    static let insideID = "1000"
}
