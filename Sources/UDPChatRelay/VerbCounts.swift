import UDPChatImpairment
import UDPChatWire

/// Datagrams received in one direction, by the contract verb the link's reader (its dialect)
/// reads them as; datagrams it cannot read count as `unreadable`. Kept only when the link counts
/// verbs (`RelayConfiguration.countVerbs`): reading every datagram has a price on the fast path.
public struct VerbCounts: Hashable, Sendable {
    /// One slot per `Verb.allCases`, then one for unreadable datagrams.
    private var slots = [UInt64](repeating: 0, count: Verb.allCases.count + 1)

    public init() {}

    private static let index: [Verb: Int] = Dictionary(uniqueKeysWithValues: Verb.allCases.enumerated().map { ($1, $0) })

    /// Counts one datagram: its verb, or nil when it could not be read.
    public mutating func count(_ verb: Verb?) { self[verb] &+= 1 }

    /// Counts one datagram as `reader` reads it.
    public mutating func count(_ bytes: [UInt8], with reader: MessageReader) { count(reader(bytes)?.verb) }

    /// The count of a verb (nil: unreadable datagrams).
    public subscript(verb: Verb?) -> UInt64 {
        get { slots[verb.map { Self.index[$0]! } ?? slots.count - 1] }
        set { slots[verb.map { Self.index[$0]! } ?? slots.count - 1] = newValue }
    }

    /// Every datagram counted.
    public var total: UInt64 { slots.reduce(0, &+) }

    /// The counts above zero, in the contract's verb order, `unreadable` last, by name.
    public var nonZero: [(name: String, count: UInt64)] {
        var out: [(name: String, count: UInt64)] = []
        for verb in Verb.allCases where self[verb] > 0 { out.append((verb.rawValue, self[verb])) }
        if self[nil] > 0 { out.append((Self.unreadable, self[nil])) }
        return out
    }

    /// The name under which datagrams the reader cannot read are counted.
    public static let unreadable = "unreadable"
}
