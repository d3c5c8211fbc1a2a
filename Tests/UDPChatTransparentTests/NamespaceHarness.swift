import Foundation
import UDPChatSupport
import UDPChatTransparent
#if canImport(Glibc)
import Glibc
#endif

// What the live tests need: a thread of their own in a new network namespace (so the NFQUEUE rule is
// never the host's), and plain blocking UDP sockets with a receive timeout.

enum NamespaceHarness {
    /// Why these tests cannot run here, or nil.
    static var unavailable: String? {
        if geteuid() != 0 { return "not root (transparent mode needs CAP_NET_ADMIN and a private network namespace)" }
        let candidates = ["/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables"]
        if !candidates.contains(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return "iptables is not installed (apt-get install iptables)"
        }
        return nil
    }

    /// Runs `body` on a new thread moved into a new network namespace with `lo` up (every thread it
    /// starts, the relay's included, is there too); the namespace goes away with the thread.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    try PrivateNamespace.enterNew()
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }
}

/// A UDP socket bound to 127.0.0.1:`port`, blocking, with a receive timeout.
final class TestSocket {
    let fd: Int32
    let port: UInt16

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.port = port
        var address = Self.address(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw UDPChatError.usage("cannot bind 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func send(_ text: String, to port: UInt16) {
        var address = Self.address(port)
        let bytes = Array(text.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// The next datagram and its source port, or nil after `timeout`.
    func receive(timeout: Duration) -> (bytes: [UInt8], from: UInt16)? {
        var limit = timeval(tv_sec: Int(timeout.nanoseconds / 1_000_000_000), tv_usec: Int(timeout.nanoseconds % 1_000_000_000 / 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 65536)
        var source = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = withUnsafeMutablePointer(to: &source) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
        }
        guard count >= 0 else { return nil }
        return (Array(buffer[..<count]), UInt16(bigEndian: source.sin_port))
    }

    func receiveText(timeout: Duration) -> String? {
        receive(timeout: timeout).map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    private static func address(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// Decisions the relay's observer saw, collected across threads.
final class SeenEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var verdicts: [String] = []

    func record(_ verdict: String) { lock.withLock { verdicts.append(verdict) } }
    var all: [String] { lock.withLock { verdicts } }
}
