import UDPChatDialect
import UDPChatWire

/// How the rule matcher reads a datagram into a `Message`: the contract's codec by default, or a
/// dialect's reader (docs/DIALECTS.md), so `verb=MSG seq=1` matches `CHAT:3:1:hi` too.
/// Compared by name (a closure has no equality).
public struct MessageReader: Hashable, Sendable {
    public let name: String
    private let read: @Sendable ([UInt8]) -> Message?

    public init(name: String, read: @escaping @Sendable ([UInt8]) -> Message?) {
        self.name = name
        self.read = read
    }

    /// The contract's codec.
    public static let contract = MessageReader(name: "default") { try? Message.parse($0) }

    /// The reader of `dialect` (named for it); the contract's codec for the default dialect.
    public init(_ dialect: Dialect) {
        if dialect.isContract {
            self = .contract
        } else {
            self.init(name: dialect.name) { bytes in try? dialect.parse(bytes) }
        }
    }

    public func callAsFunction(_ bytes: [UInt8]) -> Message? { read(bytes) }

    public static func == (lhs: MessageReader, rhs: MessageReader) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
