#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A socket error in words, for one-line messages: the system's reason (`address already in
/// use`), not NIO's `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`.
public enum SocketErrorText {
    public static func reason(_ error: any Error) -> String {
        guard let io = error as? IOError else { return "\(error)" }
        let reason = String(cString: strerror(io.errnoCode))
        return reason.prefix(1).lowercased() + reason.dropFirst()
    }
}
