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
    public static let noSandbox: Self = "sandbox.unavailable"
    /// A case's sandbox could not be prepared.
    public static let sandboxSetup: Self = "sandbox.setup"
}

extension UDPChatError {
    public static func noSandbox(_ reason: String) -> Self { Self(.noSandbox, "no sandbox: \(reason)") }
    public static func sandboxSetup(_ reason: String) -> Self { Self(.sandboxSetup, "cannot prepare the case's sandbox: \(reason)") }
}

/// A per-case sandbox built on bubblewrap (`bwrap`): its own network namespace with a private
/// loopback (so every case may bind 127.0.0.1:7070, and the host's network is out of reach), its own
/// PID namespace (everything started dies with the case, even detached children, and with a killed
/// grader: `--die-with-parent`), the system read-only, a private /tmp, TMPDIR and HOME, and the
/// implementation's workdir seen in place but backed by a per-case copy that is thrown away.
public struct Sandbox: Sendable {
    /// A workdir larger than this (or with more files) is not copied per case: it is seen read-only.
    public static let copyLimitBytes = 64 << 20
    public static let copyLimitFiles = 5_000

    /// The per-case scratch folder on the host (the workdir copies live in `work/`, `work-2/`, …).
    public let scratch: String
    /// The workdir as the implementation sees it (the first one, for several implementations).
    public var workdir: String { workdirs[0].path }
    /// False when the workdir was too large to copy: it is read-only in the sandbox.
    public var copied: Bool { workdirs[0].copy != nil }
    /// Each workdir with its per-case copy (nil: too large, seen read-only).
    let workdirs: [(path: String, copy: String?)]
    let writable: [String]

    /// nil when bubblewrap can make a sandbox here; else why not (one line). Checked once.
    public static func unavailableReason() async -> String? { await probe.value }

    private static let probe = Task<String?, Never> {
        #if os(Linux)
        guard let bwrap = IUTProcess.which("bwrap") else { return "bubblewrap (bwrap) is not installed" }
        let command = [bwrap] + baseArguments + ["--", "/bin/true"]
        guard let process = try? await IUTProcess.launch(command, workdir: "/", name: "bwrap-probe") else {
            return "bwrap cannot be started"
        }
        guard let exit = await process.waitForExit(timeout: .seconds(20)) else {
            await process.stop()
            return "bwrap did not answer within 20 s"
        }
        if exit.status != 0 {
            let why = process.lines(.stderr).last ?? exit.description
            return "bwrap cannot create namespaces here (\(why))"
        }
        return nil
        #else
        return "sandboxes need Linux namespaces"
        #endif
    }

    static let baseArguments = [
        "--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
        "--tmpfs", "/tmp",
    ]

    /// Makes the scratch folder and the per-case copy of `manifest.workdir`.
    public static func prepare(for manifest: Manifest) throws(UDPChatError) -> Sandbox {
        try prepare(for: [manifest])
    }

    /// One sandbox for several implementations (an interop pair): a copy of each workdir.
    public static func prepare(for manifests: [Manifest]) throws(UDPChatError) -> Sandbox {
        _ = staleRemoved
        var template = Array("/tmp/\(scratchPrefix)\(getpid())-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw .sandboxSetup("mkdtemp: \(String(cString: strerror(errno)))") }
        let scratch = String(cString: made)
        var workdirs: [(path: String, copy: String?)] = []
        for manifest in manifests where !workdirs.contains(where: { $0.path == manifest.workdir }) {
            let copy = scratch + (workdirs.isEmpty ? "/work" : "/work-\(workdirs.count + 1)")
            guard small(manifest.workdir) else {
                workdirs.append((manifest.workdir, nil))
                continue
            }
            do {
                try FileManager.default.copyItem(atPath: manifest.workdir, toPath: copy)
                workdirs.append((manifest.workdir, copy))
            } catch {
                try? FileManager.default.removeItem(atPath: scratch)
                throw .sandboxSetup("cannot copy \(manifest.workdir): \(error.localizedDescription)")
            }
        }
        return Sandbox(scratch: scratch, workdirs: workdirs, writable: manifests.flatMap(\.writable))
    }

    /// True when `folder` is small enough to copy per case.
    static func small(_ folder: String) -> Bool {
        guard let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: folder), includingPropertiesForKeys: [.fileSizeKey])
        else { return false }
        var bytes = 0
        var files = 0
        for case let url as URL in walker {
            files += 1
            bytes += (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
            if files > copyLimitFiles || bytes > copyLimitBytes { return false }
        }
        return true
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

    /// `bwrap … -- inner…`: `inner` runs in the sandbox with HOME and TMPDIR private.
    /// `writable`: more host paths (existing files or folders) it may write, besides the manifests'.
    public func command(_ inner: [String], writable extra: [String] = []) -> [String] {
        var arguments = [IUTProcess.which("bwrap") ?? "bwrap"] + Self.baseArguments
        arguments += ["--dir", "/tmp/home", "--setenv", "HOME", "/tmp/home", "--setenv", "TMPDIR", "/tmp"]
        // The sandbox's /tmp is private: a program or workdir that lives under the host's /tmp (a
        // clone built in /tmp, as CI may do) must still be seen there, read-only, before the
        // per-case copies are laid over it.
        for root in Self.tmpRoots([inner.first ?? ""] + workdirs.map(\.path) + writable + extra) {
            arguments += ["--ro-bind", root, root]
        }
        for (path, copy) in workdirs { arguments += copy.map { ["--bind", $0, path] } ?? ["--ro-bind", path, path] }
        for path in writable + extra where FileManager.default.fileExists(atPath: path) { arguments += ["--bind", path, path] }
        arguments += ["--chdir", workdir, "--"]
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

    /// Keeps the case's copy of the workdir (with what the implementation wrote) at `path`.
    public func keep(at path: String) {
        guard let copy = workdirs[0].copy else { return }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.copyItem(atPath: copy, toPath: path)
    }

    /// Throws the case's writes away.
    public func remove() {
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
