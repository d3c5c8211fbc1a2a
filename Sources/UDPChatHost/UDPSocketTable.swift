// What this host's kernel says about its UDP sockets (/proc/net/udp): read by the grader (a program's
// sockets), the proxy (the kernel's drop counters) and the live runner (a port bound yet?).
/// The UDP sockets of this network namespace, as Linux lists them in `/proc/net/udp` and
/// `/proc/net/udp6`: one row per socket with its local port, its inode (unique while the socket
/// lives, never handed to the next socket on the same port) and its `drops` counter.
/// Empty where /proc is unavailable (`read()` returns nil).
public enum UDPSocketTable {
    public struct Row: Sendable, Equatable {
        public var port: UInt16
        public var inode: UInt64
        public var drops: UInt64

        public init(port: UInt16, inode: UInt64, drops: UInt64) {
            self.port = port
            self.inode = inode
            self.drops = drops
        }
    }

    /// Every UDP socket row, or nil when neither table can be read.
    public static func read() -> [Row]? {
        var rows: [Row] = []
        var found = false
        for path in ["/proc/net/udp", "/proc/net/udp6"] {
            guard let text = readFile(path) else { continue }
            found = true
            rows += parse(text)
        }
        return found ? rows : nil
    }

    /// The rows of one table's text; its header line and malformed lines are skipped.
    public static func parse(_ text: String) -> [Row] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 13, let colon = fields[1].lastIndex(of: ":"),
                  let port = UInt16(fields[1][fields[1].index(after: colon)...], radix: 16),
                  let inode = UInt64(fields[9]), let drops = UInt64(fields[fields.count - 1])
            else { return nil }
            return Row(port: port, inode: inode, drops: drops)
        }
    }

    /// True when a UDP socket of this namespace is bound to `port` (any address).
    public static func isBound(_ port: UInt16) -> Bool {
        read()?.contains { $0.port == port } ?? false
    }

    /// Waits until every one of `ports` is bound, `stop()` turns true (the program that should bind them
    /// exited) or `timeout` passed, looking every `poll`; true when they all are.
    public static func waitUntilBound(_ ports: [UInt16], timeout: Duration, poll: Duration = .milliseconds(10),
                                      stop: () -> Bool = { false }) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !ports.allSatisfy(isBound) {
            if stop() || clock.now >= deadline { return false }
            try? await Task.sleep(for: poll)
        }
        return true
    }

    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
