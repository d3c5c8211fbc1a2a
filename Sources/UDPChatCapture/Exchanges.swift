import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// Which request each answer in a decoded capture answers, and whether the capture starts in
/// the middle of a session (an answer to a request it does not hold). Worked out on the decoded
/// messages, so it is the same in every dialect; `udpchat decode` prints the mid-session note,
/// `replay --expect` too, and the Wireshark dissector shows the links (`WiresharkAnalysis`).
public struct Exchanges: Hashable, Sendable {
    /// An answer's frame → the frame of the request it answers (the latest copy sent before it).
    public var request: [Int: Int] = [:]
    /// A request's frame → the frame of its first answer.
    public var response: [Int: Int] = [:]
    /// The first sign that the capture starts mid-session, if any.
    public var midSession: MidSession?

    public init() {}

    /// Links answers to requests over the timeline, in order. An answer goes with the latest
    /// earlier request that went the other way between the same two endpoints, is of a verb it
    /// answers (`Verb.answersTo`) and agrees on `conn`, `seq` and, for the server's answers, the
    /// id; failing that (a capture of one side of a proxy holds each exchange's two halves on
    /// different legs), with the latest such request from anywhere with the same `conn`, or for
    /// the server's answers the same id.
    public static func link(_ timeline: [TimelineEntry]) -> Exchanges {
        var exchanges = Exchanges()
        var requests: [Pair: [(frame: Int, message: Message)]] = [:]
        var byContent: [ContentKey: [(frame: Int, message: Message)]] = [:]
        var registered: Set<Endpoint> = []
        for entry in timeline {
            guard case .chat(let message) = entry.kind, let source = entry.source, let destination = entry.destination else { continue }
            switch message {
            case .register: registered.insert(source)
            case .registered: registered.insert(destination)
            default: break
            }
            let verb = message.verb
            if verb.isRequest {
                requests[Pair(from: source, to: destination), default: []].append((entry.frame, message))
                if let key = ContentKey(message) { byContent[key, default: []].append((entry.frame, message)) }
                continue
            }
            let fits = { (request: (frame: Int, message: Message)) in verb.answersTo.contains(request.message.verb) && answers(message, request.message) }
            let asked = (requests[Pair(from: destination, to: source)] ?? []).suffix(searchDepth)
            guard let found = asked.last(where: fits)
                ?? ContentKey(message).flatMap({ byContent[$0]?.suffix(searchDepth).last(where: fits) }) else {
                exchanges.noteMidSession(MidSession(frame: entry.frame, answer: message, request: nil, requester: destination))
                continue
            }
            exchanges.request[entry.frame] = found.frame
            if exchanges.response[found.frame] == nil { exchanges.response[found.frame] = entry.frame }
            // The server answered LOOKUP or LEAVE as from a registered client: its REGISTER came before the capture.
            if [Verb.peer, .inactive, .left].contains(verb), !registered.contains(destination) {
                exchanges.noteMidSession(MidSession(frame: entry.frame, answer: message, request: found.message, requester: destination))
            }
        }
        return exchanges
    }

    private mutating func noteMidSession(_ sign: MidSession) {
        if midSession == nil { midSession = sign }
    }

    /// How many earlier requests of its pair of endpoints (or of its content key) an answer is
    /// looked for among: a load test's capture has millions.
    static let searchDepth = 256

    /// True when `answer` can be the answer to `request` (of a verb it answers).
    static func answers(_ answer: Message, _ request: Message) -> Bool {
        if let a = answer.conn, let r = request.conn, a != r { return false }
        if let a = answer.seq, let r = request.seq, a != r { return false }
        switch answer.verb {
        case .registered, .peer, .inactive, .left, .error: return answer.id == 0 || request.id == 0 || answer.id == request.id
        default: return true
        }
    }

    /// What names an exchange on its own, wherever its two halves travelled: the `conn` of a peer
    /// message, the (non-zero) id of a client ↔ server one.
    enum ContentKey: Hashable {
        case conn(ConnToken)
        case id(ClientID)

        init?(_ message: Message) {
            if let conn = message.conn {
                self = .conn(conn)
            } else if message.verb.isClientServer, message.id != 0 {
                self = .id(message.id)
            } else {
                return nil
            }
        }
    }

    struct Pair: Hashable {
        var from: Endpoint
        var to: Endpoint
    }
}

/// The first frame showing that a capture starts in the middle of a session.
public struct MidSession: Hashable, Sendable {
    public var frame: Int
    /// The answer in that frame.
    public var answer: Message
    /// The request it answers, when the capture holds it (then its REGISTER is what is missing).
    public var request: Message?
    /// Who the answer went to.
    public var requester: Endpoint

    /// One line: `note: the capture starts in the middle of a session: #3 ERROR answers a
    /// REGISTER, LOOKUP or LEAVE from 127.0.0.1:40000 that the capture does not hold (…)`.
    public var note: String {
        let what: String
        if let request {
            what = "\(answer.verb.rawValue) answers \(request.verb.rawValue) from \(requester) as from a registered client, "
                + "but the capture holds no REGISTER from it"
        } else {
            let asked = answer.verb.answersTo.map(\.rawValue).sorted()
            let names = asked.count > 1 ? asked.dropLast().joined(separator: ", ") + " or " + asked.last! : asked.joined()
            what = "\(answer.verb.rawValue) answers a \(names) from \(requester) that the capture does not hold"
        }
        return "note: the capture starts in the middle of a session: #\(frame) \(what) "
            + "(started after the parties? `udpchat record` says \"(ready)\" once it captures)"
    }
}
