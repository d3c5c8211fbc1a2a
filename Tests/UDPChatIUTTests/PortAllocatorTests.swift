import Foundation
import Testing
import UDPChatIUT
#if canImport(Glibc)
import Glibc
#endif

/// The ports handed to parties that must know theirs before binding come from below the kernel's
/// ephemeral range, so a socket bound to port 0 anywhere can never take one first.
@Suite struct PortAllocatorTests {
    @Test func portsAreFreeDistinctAndBelowTheEphemeralRange() throws {
        let allocator = PortAllocator()
        let ports = (0..<50).map { _ in allocator.next() }
        #expect(Set(ports).count == ports.count, "\(ports)")
        #expect(ports.allSatisfy { PortAllocator.range.contains($0) }, "\(ports)")
        let ephemeral = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).compactMap { UInt16($0) }.first
        if let ephemeral { #expect(PortAllocator.range.upperBound < ephemeral, "the kernel's range starts at \(ephemeral)") }
        #expect(ports.allSatisfy(PortAllocator.isFree))
    }

    @Test func aPortInUseIsNeverHandedOut() throws {
        let allocator = PortAllocator()
        let taken = allocator.next()
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = taken.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        #expect(!PortAllocator.isFree(taken))
        // A whole lap of the range comes back to `taken`, which is skipped while it is held.
        let lap = PortAllocator.range.count
        var seen = false
        for _ in 0..<lap where allocator.next() == taken { seen = true }
        #expect(!seen)
    }
}
