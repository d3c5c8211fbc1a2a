import UDPChatSupport
import UDPChatWire

extension Dialect {
    /// One verb's example: its datagram in this dialect and whether it reads back as the same message.
    public struct Example: Sendable {
        public var message: Message
        public var bytes: [UInt8]
        /// Nil when it round-trips; else what went wrong.
        public var problem: String?
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// The context examples are written and read with: the reader is client 99 of a live
    /// connection 305419896, and server datagrams come from 192.0.2.7:7070.
    public static let exampleContext = DialectContext(localID: 99, conn: 305_419_896, source: Endpoint(host: "192.0.2.7", port: 7070))

    /// One example of every message the dialect has, written and read back (`udpchat dialect check`).
    /// Fields the dialect leaves out are shown as they read back (from the context).
    public func examples() -> [Example] {
        let conn = templates[.connect]?.fields.contains(.conn) == false ? Dialect.exampleContext.conn! : 4_021_937_113
        let samples: [Message] = [
            .register(id: 12, port: 40001), .registered(id: 12, port: 40001), .lookup(id: 34),
            .peer(id: 34, host: "192.0.2.8", port: 40002), .inactive(id: 34), .leave(id: 12), .left(id: 12),
            .error(code: .idInUse, id: 12), .connect(conn: conn, id: 12), .accept(conn: conn, id: 34),
            .reject(conn: conn, id: 34), .msg(conn: conn, id: 12, seq: 7, text: "hello: how are you?"),
            .ack(conn: conn, id: 34, seq: 7), .terminate(conn: conn, id: 12), .terminated(conn: conn, id: 34),
        ]
        return samples.compactMap { sample -> Example? in
            guard let bytes = serialize(sample, context: Dialect.exampleContext) else { return nil }
            // What a reader fills in for absent fields is the expected result.
            let expected: Message
            do {
                expected = try parse(bytes, context: Dialect.exampleContext)
            } catch {
                return Example(message: sample, bytes: bytes, problem: "does not read back: \(error)")
            }
            guard let again = serialize(expected, context: Dialect.exampleContext) else {
                return Example(message: expected, bytes: bytes, problem: "reads back as \(expected.verb.rawValue), which the dialect cannot write")
            }
            if expected.verb != sample.verb {
                return Example(message: sample, bytes: bytes, problem: "reads back as \(expected.verb.rawValue): another template matches it first")
            }
            if again != bytes { return Example(message: expected, bytes: bytes, problem: "writes back differently: \(String(decoding: again, as: UTF8.self))") }
            return Example(message: expected, bytes: bytes, problem: nil)
        }
    }
}
