// What reading one datagram gives beyond the contract's Message (the wire-only fields and the
// request it answers), and the request record an answer is matched to.
import UDPChatWire

/// A request as the asking side sent it (or the answering side read it): what an answer that
/// leaves fields out is matched to (`DialectContext.requests`).
public struct DialectRequest: Sendable, Hashable {
    /// The request in the contract's words (REGISTER, LOOKUP, LEAVE, CONNECT, MSG, TERMINATE).
    public var message: Message
    /// Whom a peer request was sent to: the id an answer without `{id}` (ACCEPT, ACK, …) is read with.
    public var peer: ClientID?
    /// The `{tag}` it carried, which its answer repeats.
    public var tag: String?

    public init(_ message: Message, peer: ClientID? = nil, tag: String? = nil) {
        self.message = message
        self.peer = peer
        self.tag = tag
    }

    /// The request a datagram read as (its `{tag}` kept), sent to `peer`.
    public init(_ reading: DialectReading, peer: ClientID? = nil) {
        self.init(reading.message, peer: peer ?? reading.to, tag: reading.tag)
    }
}

/// One datagram read in a dialect: the message, the wire-only fields it carried, and what the
/// reader filled from the context.
public struct DialectReading: Sendable, Hashable {
    public var message: Message
    /// `{tag}` as it was on the wire (nil in dialects without it). Writing the reading back, or
    /// answering it (`DialectRequest(reading)`), repeats it.
    public var tag: String?
    /// `{to}`: the receiver the datagram names.
    public var to: ClientID?
    /// The request from `DialectContext.requests` this datagram was read as the answer to.
    public var answers: DialectRequest?
    /// The message's fields that were not on the wire and came from the context (the request,
    /// the connection's peer, the sender's assigned id, the expected sequence number).
    public var fromContext: [Field]

    public init(_ message: Message, tag: String? = nil, to: ClientID? = nil, answers: DialectRequest? = nil, fromContext: [Field] = []) {
        self.message = message
        self.tag = tag
        self.to = to
        self.answers = answers
        self.fromContext = fromContext
    }
}

extension Verb {
    /// The request verbs an answer of this verb answers (empty for requests). ERROR answers any
    /// of the server's requests.
    public var answersTo: Set<Verb> {
        switch self {
        case .registered: [.register]
        case .peer, .inactive: [.lookup]
        case .left: [.leave]
        case .error: [.register, .lookup, .leave]
        case .accept, .reject: [.connect]
        case .ack: [.msg]
        case .terminated: [.terminate]
        default: []
        }
    }

    /// True for the messages that ask for an answer (REGISTER, LOOKUP, LEAVE, CONNECT, MSG, TERMINATE).
    public var isRequest: Bool { answersTo.isEmpty }
}
