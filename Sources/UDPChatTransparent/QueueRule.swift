import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

// The one firewall rule of transparent mode, installed with iptables in the calling thread's network
// namespace: every UDP datagram leaving on `lo` goes to the relay's netfilter queue, except the
// relay's own (marked) injections; with --queue-bypass the traffic flows untouched when no relay reads.

struct QueueRule {
    var queue: UInt16
    var mark: UInt32

    /// The rule's iptables arguments after the command (-I/-D) and chain.
    var specification: [String] {
        ["-o", "lo", "-p", "udp", "-m", "mark", "!", "--mark", "0x" + String(mark, radix: 16),
         "-j", "NFQUEUE", "--queue-num", String(queue), "--queue-bypass"]
    }

    /// Installs the rule first in mangle's OUTPUT chain (every locally sent packet passes it once).
    func install() throws(UDPChatError) {
        guard let iptables = Tool.find("iptables") else {
            throw .transparentUnsupported("iptables is not installed (apt-get install iptables)")
        }
        let result = Tool.run([iptables, "-w", "5", "-t", "mangle", "-I", "OUTPUT"] + specification)
        guard result.status == 0 else {
            throw .transparentUnsupported(
                "cannot install the NFQUEUE rule (is NFQUEUE in the kernel? modprobe nfnetlink_queue xt_NFQUEUE): \(result.output)")
        }
    }

    /// Removes it again (quietly: a namespace that is going away takes its rules with it).
    func remove() {
        guard let iptables = Tool.find("iptables") else { return }
        _ = Tool.run([iptables, "-w", "5", "-t", "mangle", "-D", "OUTPUT"] + specification)
    }
}

/// Runs a short system tool synchronously from the calling thread (so it inherits that thread's
/// network namespace), with its standard output and error captured.
enum Tool {
    static func find(_ name: String) -> String? {
        for directory in ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin"] where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        return nil
    }

    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return (-1, "pipe: \(NetfilterQueue.reason())") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        close(pipeEnds[1])
        defer { close(pipeEnds[0]) }
        guard spawned == 0 else { return (-1, "cannot run \(arguments[0]): \(String(cString: strerror(spawned)))") }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if count > 0 { output += chunk[..<count]; continue }
            if count < 0, errno == EINTR { continue }
            break
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exited = status & 0x7F == 0
        let text = String(decoding: output, as: UTF8.self).split(separator: "\n").joined(separator: "; ")
        return (exited ? (status >> 8) & 0xFF : -1, text)
    }
}
