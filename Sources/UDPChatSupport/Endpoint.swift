/// A UDP endpoint as the protocol sees it: an IP literal (IPv4 dotted quad or IPv6 without
/// brackets) and a port. Pure value; the runtime converts to and from NIO's `SocketAddress`.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:7070`, `[::1]:7070`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses `HOST:PORT`, `[V6]:PORT`. `localhost` is accepted as 127.0.0.1.
    /// Returns nil with no partial result when the text is not of that form.
    public init?(parsing text: String) {
        var hostPart: Substring
        var portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { return nil }
        }
        if hostPart == "localhost" { hostPart = "127.0.0.1" }
        // Digits only: `UInt16.init(_:)` would also take a sign ("+80").
        guard !hostPart.isEmpty, !portPart.isEmpty, portPart.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let port = UInt16(portPart), port != 0
        else { return nil }
        self.init(host: String(hostPart), port: port)
    }
}
