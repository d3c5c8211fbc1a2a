import Foundation
import UDPChatDialect
import UDPChatWire

/// Fixture paths and one message of every verb.
enum Samples {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func dialect(_ name: String) -> String { root.appendingPathComponent("Fixtures/dialects/\(name).dialect.yaml").path }

    /// One of every message, with the fields a conn-less dialect would fill from the context.
    static func messages(conn: ConnToken = 305_419_896, registeredPort: UInt16 = 40001, host: String = "192.0.2.7") -> [Message] {
        [
            .register(id: 12, port: 40001), .registered(id: 12, port: registeredPort), .lookup(id: 34),
            .peer(id: 34, host: host, port: 40002), .inactive(id: 34), .leave(id: 12), .left(id: 12),
            .error(code: .idInUse, id: 12), .error(code: .notOwner, id: 2_147_483_647),
            .connect(conn: conn, id: 12), .accept(conn: conn, id: 34), .reject(conn: conn, id: 34),
            .msg(conn: conn, id: 12, seq: 7, text: "hi: there {id} \"quoted\" ünïcode"), .msg(conn: conn, id: 12, seq: 2_147_483_647, text: String(repeating: "x", count: 1000)),
            .ack(conn: conn, id: 34, seq: 7), .terminate(conn: conn, id: 12), .terminated(conn: conn, id: 34),
        ]
    }
}
