// The worker's side of confinement: the command line that starts an implementation in a sandbox of
// its own inside the case's sandbox. `udpchat sandbox-exec` (ConfinedExec.swift) puts itself in the
// case's cgroup, sets the rlimits, makes the syscall filter and takes the case's uid, then becomes
// bubblewrap, which gives the implementation its own user and PID namespaces (the worker that
// judges the case is not in them), no capabilities, the system read-only, its copy of its workdir,
// a private /tmp and a clean environment, and loads the filter before it starts the program.
import Foundation
import UDPChatSupport

public enum ConfinedCommand {
    /// `[udpchat, sandbox-exec, …, --, bwrap, …, --, program, args…]` for `command` in `workdir` with `env`.
    /// The program is looked up on the implementation's own PATH, or in its workdir.
    public static func build(_ command: [String], workdir: String, env: [String: String], limits: Limits,
                             confinement: Confinement, copy: String?) throws(UDPChatError) -> [String] {
        guard let bwrap = IUTProcess.which("bwrap") else { throw .sandboxSetup("bubblewrap (bwrap) is not installed") }
        let program = try resolve(command[0], workdir: workdir, copy: copy)
        var exec = [selfExecutable, "sandbox-exec", "--cpu", String(limits.cpuSeconds), "--file-size", String(limits.fileSizeBytes),
                    // The kernel's backstop: the cgroup's task limit, or the watch, must trip first, since they
                    // name the limit (an rlimit's refusals are silent); as an ordinary user the rlimit also
                    // counts the worker's own threads (the same uid in the case's user namespace).
                    "--open-files", String(limits.openFiles), "--tasks", String(limits.processes + 64)]
        for folder in confinement.cgroups { exec += ["--cgroup", folder] }
        if let uid = confinement.uid { exec += ["--uid", String(uid)] }
        exec += ["--", bwrap]
        exec += namespaces + view(confinement, workdir: workdir, copy: copy, program: program)
        exec += environment(env)
        exec += ["--chdir", workdir, "--seccomp", String(ConfinedExec.filterDescriptor), "--", program]
        return exec + command.dropFirst()
    }

    static let namespaces = [
        "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--disable-userns",
        "--uid", Confinement.insideID, "--gid", Confinement.insideID, "--hostname", "udpchat-case",
        "--cap-drop", "ALL", "--new-session", "--die-with-parent",
    ]

    /// The system read-only (symlinks such as /bin → usr/bin kept as symlinks), fresh /dev and /proc,
    /// a size-limited /tmp, the workdir (its copy, writable; or the original, read-only), and the program
    /// itself when it lives elsewhere.
    static func view(_ confinement: Confinement, workdir: String, copy: String?, program: String) -> [String] {
        var arguments: [String] = []
        for path in confinement.systemPaths {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", target, path]
            } else if FileManager.default.fileExists(atPath: path) {
                arguments += ["--ro-bind", path, path]
            }
        }
        arguments += ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--size", String(confinement.tmpBytes), "--tmpfs", "/tmp",
                      "--dir", "/tmp/home"]
        arguments += copy.map { ["--bind", $0, workdir] } ?? ["--ro-bind", workdir, workdir]
        let seen = confinement.systemPaths + [workdir]
        if !seen.contains(where: { program == $0 || program.hasPrefix($0 + "/") }) { arguments += ["--ro-bind", program, program] }
        return arguments
    }

    /// The implementation's environment: a short allowlist and its manifest's `env:`, nothing of the grader's.
    static func environment(_ env: [String: String]) -> [String] {
        var arguments = ["--clearenv"]
        for (key, value) in Confinement.baseEnvironment() where env[key] == nil { arguments += ["--setenv", key, value] }
        for (key, value) in env.sorted(by: { $0.key < $1.key }) { arguments += ["--setenv", key, value] }
        return arguments
    }

    /// The program as the sandbox will find it: a bare name on the implementation's PATH, a relative
    /// path in its workdir (checked in the case's copy when there is one).
    static func resolve(_ name: String, workdir: String, copy: String?) throws(UDPChatError) -> String {
        if name.contains("/") { return try IUTProcess.resolve(name, workdir: workdir) }
        let path = Confinement.baseEnvironment().first { $0.0 == "PATH" }?.1 ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        throw .cannotStart(name, "'\(name)' is not on the sandbox's PATH (\(path))")
    }

    /// This executable (the worker's own binary), as the case's sandbox sees it.
    static var selfExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
