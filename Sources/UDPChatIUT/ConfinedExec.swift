// What `udpchat sandbox-exec` does, in the case's sandbox, between the worker and the
// implementation's bubblewrap: the steps that must happen in the process that becomes the
// implementation, before it can start anything (so nothing escapes the cgroup or the limits).
import CSeccomp
import Foundation
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

public enum ConfinedExec {
    /// The descriptor bubblewrap reads the syscall filter from (`--seccomp 3`).
    public static let filterDescriptor: Int32 = 3

    public struct Request: Sendable {
        public var cgroups: [String] = []
        public var uid: UInt32?
        public var cpuSeconds = 60
        public var fileSizeBytes = 64 << 20
        public var openFiles = 256
        public var tasks = 128
        public var command: [String] = []

        public init() {}
    }

    /// Joins the cgroups, sets the rlimits, puts the filter on descriptor 3, takes the uid, then
    /// becomes `command`. Returns only on failure, with the reason.
    public static func run(_ request: Request) -> UDPChatError {
        guard !request.command.isEmpty else { return .sandboxSetup("sandbox-exec: no command") }
        for folder in request.cgroups {
            guard (try? "\(getpid())".write(toFile: folder + "/cgroup.procs", atomically: false, encoding: .utf8)) != nil else {
                return .sandboxSetup("cannot join the cgroup \(folder)")
            }
        }
        let limits: [(Int32, UInt64)] = [
            (Int32(RLIMIT_CPU.rawValue), UInt64(request.cpuSeconds)), (Int32(RLIMIT_FSIZE.rawValue), UInt64(request.fileSizeBytes)),
            (Int32(RLIMIT_NOFILE.rawValue), UInt64(request.openFiles)), (Int32(RLIMIT_CORE.rawValue), 0),
            (udpchat_rlimit_nproc(), UInt64(request.tasks)),
        ]
        for (resource, value) in limits {
            // CPU: SIGXCPU at the limit (which names it), SIGKILL a second later if that is ignored.
            let hard = resource == Int32(RLIMIT_CPU.rawValue) ? value + 1 : value
            var limit = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(hard))
            guard setrlimit(__rlimit_resource_t(UInt32(resource)), &limit) == 0 else { return .sandboxSetup("setrlimit(\(resource)): \(errorText())") }
        }
        do {
            let filter = try SeccompFilter.memoryFile()
            if filter != filterDescriptor {
                guard dup2(filter, filterDescriptor) == filterDescriptor else { return .sandboxSetup("dup2: \(errorText())") }
                close(filter)
            }
        } catch {
            return error
        }
        if let uid = request.uid {
            guard setgroups(0, nil) == 0, setgid(uid) == 0, setuid(uid) == 0, getuid() == uid, geteuid() == uid else {
                return .sandboxSetup("cannot take uid \(uid): \(errorText())")
            }
        }
        guard udpchat_set_no_new_privs() == 0 else { return .sandboxSetup("no_new_privs: \(errorText())") }
        // bubblewrap starts with an environment of its own making: its process stays in the
        // implementation's PID namespace as pid 1, whose /proc/1/environ the implementation can read,
        // so nothing of the grader's environment (a secret, the result tag) may be in it.
        let arguments = request.command.map { strdup($0) } + [nil]
        let variables: [String] = ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"]
        let environment = variables.map { strdup($0) } + [nil]
        execve(request.command[0], arguments, environment)
        return .sandboxSetup("cannot start \(request.command[0]): \(errorText())")
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
