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
/// Used only on the proxy's event loop.
final class TraceWriter {
    private var file: UnsafeMutablePointer<FILE>?

    init(path: String) throws(ProxyError) {
        guard let file = fopen(path, "w") else {
            throw ProxyError("cannot open trace file '\(path)': \(String(cString: strerror(errno)))")
        }
        setvbuf(file, nil, _IOFBF, 1 << 20)
        self.file = file
    }

    func write(_ line: String) {
        guard let file else { return }
        var line = line
        line.withUTF8 { bytes in _ = fwrite(bytes.baseAddress, 1, bytes.count, file) }
        fputc(0x0A, file)
    }

    func flush() {
        if let file { fflush(file) }
    }

    func close() {
        if let file { fclose(file) }
        file = nil
    }

    deinit { close() }
}

/// A proxy error with a one-line explanation.
public struct ProxyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
