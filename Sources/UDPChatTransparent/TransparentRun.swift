import Foundation
import UDPChatRelay
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

// A command run with the transparent relay in front of its loopback: `udpchat transparent -- COMMAND`.
// One thread of its own enters the namespace (a new one, or the current private one), starts the relay
// and the command, waits for the command and stops the relay.

public enum TransparentRun {
    /// What a run ended with.
    public struct Outcome: Sendable {
        /// The command's exit status (128 + N when signal N ended it, 127 when it could not start).
        public var status: Int32
        public var stats: LinkStats

        public init(status: Int32, stats: LinkStats) {
            self.status = status
            self.stats = stats
        }
    }

    /// Runs `command` (searched in PATH) with every UDP datagram on its loopback relayed.
    /// - Parameters:
    ///   - newNamespace: make a new network namespace for the run (needs root); false: the current
    ///     one, which the caller declares private.
    ///   - started: called once the relay runs, before the command starts (for a banner).
    public static func run(_ configuration: TransparentConfiguration, command: [String], newNamespace: Bool,
                           started: @escaping @Sendable (TransparentRelay) -> Void) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    if newNamespace {
                        try PrivateNamespace.enterNew()
                    } else {
                        try PrivateNamespace.check()
                        try PrivateNamespace.ensureLoopbackUp()
                    }
                    var configuration = configuration
                    configuration.namespaceIsPrivate = configuration.namespaceIsPrivate || newNamespace
                    let relay = try TransparentRelay.start(configuration)
                    started(relay)
                    let status = Tool.runInheriting(command)
                    continuation.resume(returning: Outcome(status: status, stats: relay.stop()))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "udpchat-transparent-run"
            thread.start()
        }
    }
}

extension Tool {
    /// Runs `arguments` (the first searched in PATH) with this process's standard streams, SIGINT and
    /// SIGTERM back at their defaults and no signal blocked; returns its exit status (128 + N for signal N, 127: not started).
    static func runInheriting(_ arguments: [String]) -> Int32 {
        guard !arguments.isEmpty else { return 0 }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // The spawning thread may block signals (runtime threads do): the command starts with none blocked.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], nil, &attributes, &argv, environ)
        guard spawned == 0 else {
            FileHandle.standardError.write(Data("udpchat transparent: cannot run \(arguments[0]): \(String(cString: strerror(spawned)))\n".utf8))
            return 127
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
