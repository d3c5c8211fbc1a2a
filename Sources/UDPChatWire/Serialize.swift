// A Message's exact wire text and bytes (the inverse of the parser), and the check on a user's chat text.
extension Message {
    /// The exact wire text (no trailing newline). `parse(serialized) == self` for every valid message.
    public var serialized: String {
        switch self {
        case .register(let id, let port): "REGISTER \(id) \(port)"
        case .registered(let id, let port): "REGISTERED \(id) \(port)"
        case .lookup(let id): "LOOKUP \(id)"
        case .peer(let id, let host, let port): "PEER \(id) \(host) \(port)"
        case .inactive(let id): "INACTIVE \(id)"
        case .leave(let id): "LEAVE \(id)"
        case .left(let id): "LEFT \(id)"
        case .error(let code, let id): "ERROR \(code.rawValue) \(id)"
        case .connect(let conn, let id): "CONNECT \(conn) \(id)"
        case .accept(let conn, let id): "ACCEPT \(conn) \(id)"
        case .reject(let conn, let id): "REJECT \(conn) \(id)"
        case .msg(let conn, let id, let seq, let text): "MSG \(conn) \(id) \(seq) \(text)"
        case .ack(let conn, let id, let seq): "ACK \(conn) \(id) \(seq)"
        case .terminate(let conn, let id): "TERMINATE \(conn) \(id)"
        case .terminated(let conn, let id): "TERMINATED \(conn) \(id)"
        }
    }

    /// The wire bytes.
    public var bytes: [UInt8] { Array(serialized.utf8) }

    /// Checks that a user's chat text can travel in a MSG: 1 … 1000 bytes of UTF-8 without NUL, CR, LF.
    public static func validateText(_ text: String) -> WireError? {
        let count = text.utf8.count
        guard (1...WireLimits.maxText).contains(count) else { return .textLength(count) }
        if let bad = text.utf8.first(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
            return .forbiddenCharacter(field: "text", byte: bad)
        }
        return nil
    }
}

extension Message: CustomStringConvertible {
    public var description: String { serialized }
}
