import Foundation
import UDPChatSupport

/// Whether implementations run in a sandbox (`--isolation`).
public enum Isolation: String, Sendable, CaseIterable, Codable {
    /// A sandbox when the system can make one, else the host (with a one-line notice).
    case auto
    /// A sandbox or nothing: without one the grader exits 2.
    case required
    /// The host, as before sandboxes: process-group cleanup, pinned cases one at a time.
    case none
}

extension UDPChatError.Code {
    /// The system cannot make a sandbox (no bubblewrap, namespaces forbidden, not Linux).
    public static let noSandbox = Self(IUTCodes.noSandbox)
    /// A case's sandbox could not be prepared.
    public static let sandboxSetup = Self(IUTCodes.sandboxSetup)
}

extension UDPChatError {
    public static func noSandbox(_ reason: String) -> Self { Self(.noSandbox, "no sandbox: \(reason)") }
    public static func sandboxSetup(_ reason: String) -> Self { Self(.sandboxSetup, "cannot prepare the case's sandbox: \(reason)") }
}

/// A per-case sandbox built on bubblewrap (`bwrap`), in two layers.
///
/// The case's sandbox holds the worker that judges the case (this executable, trusted): its own
/// network namespace with a private loopback (every case may bind 127.0.0.1:7070; the host's network
/// is out of reach), its own PID namespace (everything dies with the case, and with a killed grader),
/// the system read-only, a private /tmp, and a tmpfs of bounded size for the copies of the workdirs.
/// As an ordinary user it is also a user namespace in which the worker is root.
///
/// Each implementation then runs in a sandbox of its own inside it (ConfinedCommand): its own user
/// and PID namespaces, no capabilities, a syscall filter, a host uid of its own (as root), a cgroup
/// (as root), and a view of the system folders and its copy of its workdir only. It shares the case's
/// network namespace and nothing else; the worker, its output and the verdict are out of its reach.
public struct Sandbox: Sendable {
    /// The per-case scratch folder on the host (the workdir kept as an artifact comes back through it).
    public let scratch: String
    /// The workdir as the implementation sees it (the first one, for several implementations).
    public var workdir: String { workdirs[0] }
    let workdirs: [String]
    /// How the implementations are confined (handed to the worker).
    public let confinement: Confinement
    let cgroup: CaseCgroup?

    /// nil when bubblewrap can make both layers here; else why not, and what to install or allow. Checked once.
    public static func unavailableReason() async -> String? { await probe.value }

    private static let probe = Task<String?, Never> {
        #if os(Linux)
        guard let bwrap = IUTProcess.which("bwrap") else {
            return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
        }
        let inner = [bwrap] + ConfinedCommand.namespaces + ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                                                            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                                                            "--proc", "/proc", "--", "/usr/bin/true"]
        var dropped = inner
        if geteuid() == 0, let setpriv = IUTProcess.which("setpriv") {
            dropped = [setpriv, "--reuid=\(caseUID())", "--regid=\(caseUID())", "--clear-groups"] + inner
        }
        let probe = Sandbox(scratch: "/", workdirs: ["/"], confinement: defaultConfinement(limits: .defaults, workBytes: 1 << 20), cgroup: nil)
        guard let process = try? await IUTProcess.launch(probe.command(dropped), workdir: "/", name: "bwrap-probe") else {
            return "bwrap cannot be started"
        }
        guard let exit = await process.waitForExit(timeout: .seconds(20)) else {
            await process.stop()
            return "bwrap did not answer within 20 s"
        }
        if exit.status != 0 {
            let why = process.lines(.stderr).last ?? exit.description
            return "bwrap cannot create the sandbox's namespaces here (\(why)); user namespaces must be allowed "
                + "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)"
        }
        return nil
        #else
        return "sandboxes need Linux namespaces"
        #endif
    }

    /// Root: one host uid per case from a range no account uses. (Unused as an ordinary user.)
    static func caseUID() -> UInt32 {
        let serial = counter.next()
        return 1_900_000_000 + UInt32(getpid() % 10_000) * 1_000 + serial % 1_000
    }

    private static let counter = Counter()

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value: UInt32 = 0
        func next() -> UInt32 { lock.withLock { value &+= 1; return value } }
    }

    static func defaultConfinement(limits: Limits, workBytes: Int, cgroup: CaseCgroup? = nil, systemPaths: [String] = Confinement.defaultSystemPaths) -> Confinement {
        let root = geteuid() == 0
        return Confinement(mode: root ? .root : .user, uid: root ? caseUID() : nil, cgroups: cgroup?.folders ?? [],
                           enforcement: cgroup == nil ? "rlimits" : CaseCgroup.kind ?? "cgroup", tmpBytes: limits.diskBytes, workBytes: workBytes,
                           systemPaths: systemPaths)
    }

    /// Makes the scratch folder and the case's cgroup (as root). `limits`: of the whole case (all its
    /// implementations together). `keep`: the worker leaves the case's copy of the first workdir in the
    /// scratch folder for `keep(at:)`.
    public static func prepare(for manifests: [Manifest], limits: Limits, policy: SandboxPolicy = .default,
                               keep: Bool = false) throws(UDPChatError) -> Sandbox {
        _ = staleRemoved
        var template = Array("/tmp/\(scratchPrefix)\(getpid())-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw .sandboxSetup("mkdtemp: \(String(cString: strerror(errno)))") }
        let scratch = String(cString: made)
        var workdirs: [String] = []
        for manifest in manifests where !workdirs.contains(manifest.workdir) { workdirs.append(manifest.workdir) }
        // The copies' tmpfs: what they hold now, plus what the implementations may write.
        let copied = workdirs.compactMap { SafeCopy.measure($0) }.reduce(0) { $0 + $1.bytes + $1.files * 4096 }
        let cgroup: CaseCgroup?
        do {
            cgroup = try CaseCgroup.make(name: "case-\(URL(fileURLWithPath: scratch).lastPathComponent.dropFirst(scratchPrefix.count))", limits: limits)
        } catch {
            try? FileManager.default.removeItem(atPath: scratch)
            throw error
        }
        var confinement = defaultConfinement(limits: limits, workBytes: copied + limits.diskBytes + (1 << 20), cgroup: cgroup,
                                             systemPaths: policy.systemPaths)
        if keep {
            confinement.keep = scratch + "/keep"
            try? FileManager.default.createDirectory(atPath: scratch + "/keep", withIntermediateDirectories: true)
        }
        return Sandbox(scratch: scratch, workdirs: workdirs, confinement: confinement, cgroup: cgroup)
    }

    /// Scratch folders are `/tmp/udpchat-case-<grader pid>-XXXXXX`.
    static let scratchPrefix = "udpchat-case-"

    private static let staleRemoved: Void = removeStale()

    /// Removes the scratch folders of graders that no longer run (a SIGKILLed grader cannot clean up).
    public static func removeStale() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix(scratchPrefix) {
            guard let pid = name.dropFirst(scratchPrefix.count).split(separator: "-").first.flatMap({ Int32($0) }) else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { try? FileManager.default.removeItem(atPath: "/tmp/" + name) }
        }
    }

    /// `bwrap … -- inner…`: `inner` (the worker) runs in the case's sandbox with HOME and TMPDIR private.
    /// `writable`: host paths (existing files or folders) the worker may write (e.g. a pcap artifact).
    /// `environment`: more variables for the worker.
    public func command(_ inner: [String], writable extra: [String] = [], environment: [String: String] = [:]) -> [String] {
        var arguments = [IUTProcess.which("bwrap") ?? "bwrap"]
        if confinement.mode == .user { arguments += ["--unshare-user", "--uid", "0", "--gid", "0", "--cap-add", "ALL"] }
        arguments += ["--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev",
                      // The host's /proc, not a new one: the kernel lets the implementation's own sandbox
                      // mount its /proc only where a whole one is already in view. The worker alone sees it.
                      "--bind", "/proc", "/proc", "--tmpfs", "/tmp", "--size", String(confinement.workBytes), "--tmpfs", Confinement.workRoot]
        arguments += ["--dir", "/tmp/home", "--setenv", "HOME", "/tmp/home", "--setenv", "TMPDIR", "/tmp",
                      "--setenv", Confinement.environmentKey, confinement.encoded]
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["--setenv", key, value] }
        // The sandbox's /tmp is private: a program or workdir that lives under the host's /tmp (a
        // clone built in /tmp, as CI may do) must still be seen there, read-only.
        for root in Self.tmpRoots([inner.first ?? ""] + workdirs) { arguments += ["--ro-bind", root, root] }
        for folder in confinement.cgroups { arguments += ["--bind", folder, folder] }
        for path in extra + [confinement.keep].compactMap({ $0 }) where FileManager.default.fileExists(atPath: path) {
            arguments += ["--bind", path, path]
        }
        arguments += ["--chdir", "/", "--"]
        return arguments + inner
    }

    /// The top folders under the host's /tmp that hold `paths` (e.g. `/tmp/ci-clone` for
    /// `/tmp/ci-clone/.build/debug/udpchat`), never a sandbox's own scratch folder.
    static func tmpRoots(_ paths: [String]) -> [String] {
        var roots: Set<String> = []
        for path in paths where path.hasPrefix("/") {
            let parts = URL(fileURLWithPath: path).standardizedFileURL.path.split(separator: "/")
            guard parts.count >= 2, parts[0] == "tmp", !parts[1].hasPrefix(scratchPrefix) else { continue }
            let root = "/tmp/\(parts[1])"
            if FileManager.default.fileExists(atPath: root) { roots.insert(root) }
        }
        return roots.sorted()
    }

    /// Moves the case's copy of the workdir (what the implementation wrote; no symlinks) to `path`.
    public func keep(at path: String) {
        guard let kept = confinement.keep, FileManager.default.fileExists(atPath: kept) else { return }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.moveItem(atPath: kept, toPath: path)
    }

    /// Throws the case's writes away, and its cgroup with whatever is left in it.
    public func remove() {
        cgroup?.remove()
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
