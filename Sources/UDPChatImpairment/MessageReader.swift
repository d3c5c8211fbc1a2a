import UDPChatWire

/// How the rule matcher reads a datagram into a `Message`: the contract's codec by default, or any
/// other wire format's reader (a dialect, docs/DIALECTS.md), so `verb=MSG seq=1` matches `CHAT:3:1:hi` too.
/// Compared by name (a closure has no equality).
public struct MessageReader: Hashable, Sendable {
    public let name: String
    private let read: @Sendable ([UInt8]) -> Message?

    public init(name: String, read: @escaping @Sendable ([UInt8]) -> Message?) {
        self.name = name
        self.read = read
    }

    /// The reader of `format` (named for it): the contract's codec for the contract's format.
    public init(_ format: some WireFormat) {
        self.init(name: format.name) { bytes in format.message(from: bytes) }
    }

    /// The contract's codec.
    public static let contract = MessageReader(ContractFormat())

    public func callAsFunction(_ bytes: [UInt8]) -> Message? { read(bytes) }

    public static func == (lhs: MessageReader, rhs: MessageReader) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
