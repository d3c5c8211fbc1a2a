#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import UDPChatRelay
import UDPChatSupport

/// The proxy's name for the relay core's trace record (what `ProxyConfiguration.observer` receives).
public typealias TraceEvent = RelayTraceEvent

/// Appends lines to a file through a large stdio buffer; `close()` flushes.
/// Used only on one thread at a time (the proxy's event loop, the transparent relay's thread).
public final class TraceWriter {
    private var file: UnsafeMutablePointer<FILE>?

    public init(path: String) throws(UDPChatError) {
        guard let file = fopen(path, "w") else {
            throw UDPChatError.proxyTrace("cannot open trace file '\(path)': \(String(cString: strerror(errno)))")
        }
        setvbuf(file, nil, _IOFBF, 1 << 20)
        self.file = file
    }

    public func write(_ line: String) {
        guard let file else { return }
        var line = line
        line.withUTF8 { bytes in _ = fwrite(bytes.baseAddress, 1, bytes.count, file) }
        fputc(0x0A, file)
    }

    public func flush() {
        if let file { fflush(file) }
    }

    public func close() {
        if let file { fclose(file) }
        file = nil
    }

    deinit { close() }
}

extension UDPChatError.Code {
    /// A link that cannot start: a bad address, a port in use, two links of one name.
    public static let proxySetup = Self(ProxyCodes.proxySetup)
    /// A `--config` file that cannot be read or is not valid.
    public static let proxyConfig = Self(ProxyCodes.proxyConfig)
    /// The trace file cannot be written.
    public static let proxyTrace = Self(ProxyCodes.proxyTrace)
}

/// The proxy's errors: one line each, in the project's one error shape.
extension UDPChatError {
    public static func proxySetup(_ reason: String) -> Self { Self(.proxySetup, reason) }
    public static func proxyConfig(_ reason: String) -> Self { Self(.proxyConfig, reason) }
    public static func proxyTrace(_ reason: String) -> Self { Self(.proxyTrace, reason) }
}
