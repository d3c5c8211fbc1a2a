import UDPChatSupport
import UDPChatWire

/// Something a chat client shows its user. Structured so that tests, the simulator and the
/// grader can check it; `description` is the console line.
public enum ClientEvent: Hashable, Sendable, CustomStringConvertible {
    case registered(id: ClientID, port: UInt16)
    case registrationRefused(ErrorCode)
    case lookingUp(ClientID)
    case inactive(ClientID)
    case lookupRefused(ErrorCode, ClientID)
    case connecting(to: ClientID, at: Endpoint)
    /// A peer asks to connect: the user must /accept or /reject.
    case prompt(from: ClientID, conn: ConnToken)
    case connected(to: ClientID)
    case rejected(by: ClientID)
    /// A CONNECT was refused automatically because this client is busy.
    case busyRejected(from: ClientID)
    case cancelled(ClientID)
    /// A chat message delivered (exactly once, in order).
    case delivered(from: ClientID, seq: SeqNo, text: String)
    /// A duplicate MSG arrived: acknowledged again and discarded.
    case duplicateDiscarded(from: ClientID, seq: SeqNo)
    /// A re-send after an RTO without an answer. `attempt` counts transmissions (2 = first re-send).
    case resending(what: String, attempt: Int)
    /// The connection ended; `byPeer` is true when the peer sent TERMINATE.
    case terminated(peer: ClientID, byPeer: Bool)
    /// Own messages never acknowledged when the peer ended the connection.
    case notDelivered(seq: SeqNo, text: String)
    /// One of the user's own messages went out for the first time (`ClientConfig.reportsDelivery`).
    case sent(seq: SeqNo, text: String)
    /// The peer acknowledged one of the user's own messages (`ClientConfig.reportsDelivery`).
    case acknowledged(seq: SeqNo, text: String)
    /// A request went unanswered `ClientConfig.notAnsweringAfter` re-sends in a row; re-sending goes on.
    /// `peer` is nil for the server. `attempts` counts transmissions so far.
    case notAnswering(peer: ClientID?, at: Endpoint, what: String, attempts: Int)
    /// A request went unanswered `ClientConfig.giveUpAfter` re-sends: re-sending stopped. `peer` is
    /// nil for the server (the client then closes); `attempts` counts transmissions made.
    case gaveUp(peer: ClientID?, at: Endpoint, what: String, attempts: Int)
    case left(id: ClientID)
    case forcedQuit
    /// Informational line (usage hints, state explanations).
    case notice(String)

    public var description: String {
        switch self {
        case .registered(let id, let port): "registered as client \(id) (reachable on port \(port))"
        case .registrationRefused(let code): "registration refused by the server: \(code.rawValue)\(Self.hint(code))"
        case .lookingUp(let id): "looking up client \(id)…"
        case .inactive(let id): "client \(id) is inactive"
        case .lookupRefused(let code, let id): "lookup of client \(id) refused by the server: \(code.rawValue)"
        case .connecting(let id, let endpoint): "connecting to client \(id) at \(endpoint)…"
        case .prompt(let id, _): "client \(id) wants to connect: /accept or /reject?"
        case .connected(let id): "connection established with client \(id)"
        case .rejected(let id): "connection rejected by client \(id)"
        case .busyRejected(let id): "rejected a connection request from client \(id) (busy)"
        case .cancelled(let id): "connection request to client \(id) cancelled"
        case .delivered(let id, _, let text): "[\(id)] \(text)"
        case .duplicateDiscarded(let id, let seq): "duplicate of message \(seq) from client \(id) discarded (acknowledged again)"
        case .resending(let what, let attempt): "re-sending \(what), attempt \(attempt)"
        case .terminated(let peer, let byPeer):
            byPeer ? "connection terminated by client \(peer)" : "connection with client \(peer) terminated"
        case .notDelivered(let seq, let text): "not delivered (message \(seq)): \(text)"
        case .sent(let seq, let text): "sent message \(seq): \(text)"
        case .acknowledged(let seq, _): "message \(seq) delivered"
        case .notAnswering(let peer, let endpoint, let what, let attempts):
            "\(peer.map { "client \($0)" } ?? "the server") at \(endpoint) is not answering (\(what) sent \(attempts) times); still trying"
                + (peer == nil ? " (/quit, then /quit again, leaves without its answer)" : " (/cancel or /end stops waiting; /quit twice leaves at once)")
        case .gaveUp(let peer, let endpoint, let what, let attempts):
            "gave up: \(peer.map { "client \($0)" } ?? "the server") at \(endpoint) did not answer (\(what) sent \(attempts) times, "
                + "give-up limit \(attempts - 1) re-sends); " + (peer == nil ? "closing without the server" : Self.abandoned(what))
        case .left(let id): "client \(id) left the server"
        case .forcedQuit: "forced quit before the server acknowledged LEAVE"
        case .notice(let text): text
        }
    }

    /// What a peer's give-up drops.
    static func abandoned(_ what: String) -> String {
        what == "CONNECT" ? "connection request abandoned" : "connection abandoned"
    }

    /// What the user can do about a refusal.
    static func hint(_ code: ErrorCode) -> String {
        switch code {
        case .idInUse: " (another address holds this id: an earlier client of yours that did not leave? wait until the server expires it, or start with another --id)"
        case .addressInUse: " (this address already holds another id: use another --port, or leave with the other id first)"
        default: ""
        }
    }

    /// The sequence number of a re-sent chat message (`.resending` of "MSG n"), else nil.
    public var resentSeq: SeqNo? {
        guard case .resending(let what, _) = self, what.hasPrefix("MSG ") else { return nil }
        return SeqNo(what.dropFirst(4))
    }
}
