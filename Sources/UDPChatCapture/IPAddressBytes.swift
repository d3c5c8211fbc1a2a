#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address as network-order bytes: 4 for IPv4, 16 for IPv6.
public enum IPAddressBytes: Hashable, Sendable {
    case v4([UInt8])
    case v6([UInt8])

    /// Parses an IPv4 dotted quad or an IPv6 literal (brackets allowed); nil otherwise.
    public init?(_ host: String) {
        var text = host
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.contains(":") {
            var storage = in6_addr()
            guard text.withCString({ inet_pton(AF_INET6, $0, &storage) }) == 1 else { return nil }
            self = .v6(withUnsafeBytes(of: &storage) { Array($0) })
        } else {
            var storage = in_addr()
            guard text.withCString({ inet_pton(AF_INET, $0, &storage) }) == 1 else { return nil }
            self = .v4(withUnsafeBytes(of: &storage) { Array($0) })
        }
    }

    /// The bytes in network order.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let bytes), .v6(let bytes): bytes
        }
    }

    /// This address as IPv6 (IPv4 becomes the v4-mapped `::ffff:a.b.c.d`).
    public var asIPv6: [UInt8] {
        switch self {
        case .v6(let bytes): bytes
        case .v4(let bytes): [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + bytes
        }
    }

    /// The textual form (`127.0.0.1`, `::1`).
    public static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = buffer.withUnsafeMutableBufferPointer { out in
            inet_ntop(family, bytes.baseAddress, out.baseAddress, socklen_t(out.count)) != nil
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
