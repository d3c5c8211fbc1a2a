// Between the protocol's Endpoint and NIO's SocketAddress (resolving a host name once, at start).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import UDPChatSupport
import UDPChatWire

extension Endpoint {
    /// The protocol's view of a NIO socket address (nil for Unix-domain addresses).
    public init?(_ address: SocketAddress) {
        guard let port = address.port, port > 0, port <= 65535 else { return nil }
        switch address {
        case .v4(let v4):
            // Build the dotted quad by hand: at most 15 bytes, so Swift keeps it inline (no allocation).
            let raw = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            var text = String(raw >> 24)
            text += "."
            text += String((raw >> 16) & 0xFF)
            text += "."
            text += String((raw >> 8) & 0xFF)
            text += "."
            text += String(raw & 0xFF)
            self.init(host: text, port: UInt16(port))
        case .v6:
            guard let host = address.ipAddress else { return nil }
            self.init(host: host, port: UInt16(port))
        case .unixDomainSocket:
            return nil
        }
    }

    /// A NIO socket address for this endpoint. `localhost` is 127.0.0.1; any other host name is
    /// resolved (blocking `getaddrinfo`): call this once at start, not per datagram.
    public func socketAddress() throws -> SocketAddress {
        if host == "localhost" { return try SocketAddress(ipAddress: "127.0.0.1", port: Int(port)) }
        if IPLiteral.isValid(host) { return try SocketAddress(ipAddress: host, port: Int(port)) }
        return try SocketAddress.makeAddressResolvingHost(host, port: Int(port))
    }

    /// This endpoint with its host name resolved to an IP literal (unchanged if it already is one).
    public func resolved() throws -> Endpoint {
        if IPLiteral.isValid(host) { return self }
        if host == "localhost" { return Endpoint(host: "127.0.0.1", port: port) }
        guard let address = try? socketAddress(), let resolved = Endpoint(address) else { throw UDPChatError.unresolvable(host) }
        return resolved
    }

    /// True for 127.0.0.0/8 and ::1.
    public var isLoopback: Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }
}

extension Instant {
    /// Now, on NIO's monotonic clock.
    public static func nioNow() -> Instant {
        Instant(nanoseconds: Int64(clamping: NIODeadline.now().uptimeNanoseconds))
    }

    /// The NIO deadline for this instant (instants come from `nioNow()`).
    public var deadline: NIODeadline {
        .uptimeNanoseconds(UInt64(max(0, nanoseconds)))
    }
}

extension UDPChatError.Code {
    /// Binding a UDP socket failed (port in use, address not available, permission).
    public static let cannotBind = Self(RuntimeCodes.cannotBind)
    /// A host name that does not resolve to an address.
    public static let unresolvable = Self(RuntimeCodes.unresolvable)
    /// The socket closed before the client finished (not by a `.close` effect).
    public static let socketClosed = Self(RuntimeCodes.socketClosed)
}

/// The runtime's errors, each a clear one-line explanation.
extension UDPChatError {
    public static func cannotBind(host: String, port: Int, reason: String) -> Self {
        Self(.cannotBind, "cannot bind UDP \(Endpoint(host: host, port: UInt16(clamping: port))): \(reason)")
    }

    public static func unresolvable(_ host: String) -> Self { Self(.unresolvable, "cannot resolve host '\(host)'") }

    public static let socketClosed = Self(.socketClosed, "the socket closed unexpectedly")

    /// Wraps a bind failure into `.cannotBind` with the system's reason in lower case.
    static func bind(_ error: any Error, host: String, port: Int) -> Self {
        let reason: String
        if let io = error as? IOError {
            reason = lowercasedFirst(String(cString: strerror(io.errnoCode)))
        } else if let known = error as? SocketAddressError {
            reason = "\(known)"
        } else {
            reason = "\(error)"
        }
        return .cannotBind(host: host, port: port, reason: reason)
    }

    private static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
