import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Hands out distinct free UDP ports on 127.0.0.1 for programs that must be told their port before
/// they bind it (implementations under test, reference clients of a live run), from below the
/// kernel's ephemeral range (32768–60999 by default). Everything else binds port 0, which the
/// kernel takes from the ephemeral range, so no other socket — of this process, a parallel run or
/// the rest of the machine — can grab a port between the moment it is handed out and its bind.
/// One allocator per process (`shared`): concurrent runs never get the same port.
public final class PortAllocator: @unchecked Sendable {
    public static let shared = PortAllocator()
    /// The ports handed out: below the ephemeral range, above the registered services people run.
    public static let range: ClosedRange<UInt16> = 20_000...32_000
    private let lock = NSLock()
    private var cursor = UInt16.random(in: range)

    public init() {}

    /// The next port in the range that is free right now (a bind succeeds), round robin; a port
    /// from the kernel only if 2,000 in a row are taken.
    public func next() -> UInt16 {
        for _ in 0..<2_000 {
            let port: UInt16 = lock.withLock {
                cursor = cursor >= Self.range.upperBound ? Self.range.lowerBound : cursor + 1
                return cursor
            }
            if Self.isFree(port) { return port }
        }
        return Self.kernelPort()
    }

    /// Whether a UDP socket can bind 127.0.0.1:`port` right now.
    public static func isFree(_ port: UInt16) -> Bool {
        withSocket { fd, address in
            address.sin_port = port.bigEndian
            return bindLoopback(fd, address) == 0
        } ?? false
    }

    /// A port the kernel picks (bind to port 0, read it back, release it): 0 if that fails.
    static func kernelPort() -> UInt16 {
        withSocket { fd, address in
            address.sin_port = 0
            guard bindLoopback(fd, address) == 0 else { return 0 }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return named == 0 ? UInt16(bigEndian: address.sin_port) : 0
        } ?? 0
    }

    private static func withSocket<T>(_ body: (Int32, inout sockaddr_in) -> T) -> T? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return body(fd, &address)
    }

    private static func bindLoopback(_ fd: Int32, _ address: sockaddr_in) -> Int32 {
        var address = address
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}
