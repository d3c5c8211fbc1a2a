// The inputs and result of dialect inference (docs/DIALECTS.md "Inferring a dialect"): recorded
// datagrams, the values the session used, and the dialect file text with what could not be placed.
import UDPChatSupport
import UDPChatWire

/// One recorded datagram, in capture order.
public struct InferDatagram: Sendable, Hashable {
    public var time: Double
    public var from: Endpoint
    public var to: Endpoint
    public var bytes: [UInt8]

    public init(time: Double, from: Endpoint, to: Endpoint, bytes: [UInt8]) {
        self.time = time
        self.from = from
        self.to = to
        self.bytes = bytes
    }
}

/// The values the recorded session used: client ids (also the ones looked up and found
/// inactive), ports the clients announced, and the texts typed as chat.
public struct InferValues: Sendable, Hashable {
    public var ids: [ClientID]
    public var ports: [UInt16]
    public var texts: [String]

    public init(ids: [ClientID] = [], ports: [UInt16] = [], texts: [String] = []) {
        self.ids = ids
        self.ports = ports
        self.texts = texts
    }
}

/// What inference found for one verb.
public struct InferredMessage: Sendable {
    public var verb: Verb
    /// The template as the dialect file writes it (a quoted string, or a JSON object).
    public var template: String
    public var confidence: Confidence
    /// Why: how many datagrams agreed, and the exchange the first came from.
    public var reason: String
}

public enum Confidence: String, Sendable, Comparable {
    case low, medium, high
    public static func < (a: Confidence, b: Confidence) -> Bool {
        let order: [Confidence] = [.low, .medium, .high]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// The inferred dialect: its messages, what was left out (and why), and the file text.
public struct InferredDialect: Sendable {
    public var name: String
    /// The server's endpoint, and whether it was given or guessed.
    public var server: String
    public var format: Dialect.Format
    public var terminator: Dialect.Terminator
    public var peerSource: Dialect.PeerSource
    public var ids: Dialect.IDs
    /// The separator seen most between fields (`:`, ` `, …), for the file's header comment.
    public var separator: String
    public var messages: [InferredMessage]
    /// What could not be placed: verbs not seen, datagrams no exchange explains, dropped templates.
    public var unplaced: [String]
    /// The dialect file; `udpchat dialect check` accepts it.
    public var yaml: String
}
