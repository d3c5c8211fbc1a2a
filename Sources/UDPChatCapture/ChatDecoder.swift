import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// How a repeated datagram is classified.
public enum Repetition: Hashable, Sendable {
    /// The same datagram (same source, destination and bytes) again after at least the
    /// duplicate window: the sender re-sent it (a retransmission). `copy` counts from 2.
    case resend(copy: Int)
    /// The same datagram again within the duplicate window of the previous copy: the network
    /// (or an impairment proxy) duplicated it.
    case duplicate(copy: Int)
}

/// One line of the decoded timeline.
public struct TimelineEntry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A valid chat message.
        case chat(Message)
        /// A datagram that looks like chat traffic (known verb, chat port, or between chat
        /// endpoints) but does not parse.
        case malformed(WireError)
        /// UDP that is not chat traffic.
        case nonChat
        /// A frame with no usable UDP datagram (not IP/UDP, truncated, fragmented).
        case skipped(String)
    }

    public var frame: Int
    /// Unix seconds.
    public var timestamp: Double
    /// Seconds since the first frame of the capture.
    public var relative: Double
    public var source: Endpoint?
    public var destination: Endpoint?
    public var payload: [UInt8]
    public var kind: Kind
    public var repetition: Repetition?
}

/// A hole in one sender's MSG sequence numbers on one connection.
public struct SequenceGap: Hashable, Sendable {
    public var conn: ConnToken
    public var sender: ClientID
    /// Sequence numbers below the highest one seen that never appeared.
    public var missing: [SeqNo]

    public init(conn: ConnToken, sender: ClientID, missing: [SeqNo]) {
        self.conn = conn
        self.sender = sender
        self.missing = missing
    }
}

/// The totals printed after the timeline.
public struct DecodeSummary: Hashable, Sendable {
    public var frames = 0
    public var chat = 0
    public var malformed = 0
    public var nonChat = 0
    public var skipped = 0
    public var verbs: [Verb: Int] = [:]
    public var malformedKinds: [String: Int] = [:]
    public var resends = 0
    public var resendsByVerb: [String: Int] = [:]
    public var duplicates = 0
    public var gaps: [SequenceGap] = []
}

/// The result of decoding a capture.
public struct DecodedCapture: Sendable {
    public var timeline: [TimelineEntry]
    public var summary: DecodeSummary
    /// Answers linked to their requests; whether the capture starts mid-session.
    public var exchanges: Exchanges
}

/// Turns a capture's UDP datagrams into chat messages (`Message.parse`), classifies
/// repeats and finds sequence gaps.
public enum ChatDecoder {
    public struct Options: Sendable {
        /// UDP ports that always carry chat traffic (the server's).
        public var chatPorts: Set<UInt16> = [ProtocolDefaults.port]
        /// A repeat closer than this to the previous copy is a duplicate, else a re-send.
        public var duplicateWindow: Double = 0.02
        /// The wire format the capture speaks; `Dialect.default` is the contract's. Under any
        /// other, a datagram is chat when the dialect reads it, whatever the port, and repeats
        /// are judged on the message's fields rather than identical bytes.
        public var dialect: Dialect = .default

        public init(chatPorts: Set<UInt16> = [ProtocolDefaults.port], duplicateWindow: Double = 0.02, dialect: Dialect = .default) {
            self.chatPorts = chatPorts
            self.duplicateWindow = duplicateWindow
            self.dialect = dialect
        }
    }

    private struct RepeatKey: Hashable {
        var source: Endpoint
        var destination: Endpoint
        var payload: [UInt8]
    }

    private struct SenderKey: Hashable {
        var conn: ConnToken
        var sender: ClientID
    }

    public static func decode(_ capture: Capture, options: Options = Options()) -> DecodedCapture {
        let start = capture.frames.first?.timestamp ?? 0
        // Pass 1: parse, and collect the endpoints that carry valid chat messages.
        var parsed: [Int: Result<Message, WireError>] = [:]
        var chatEndpoints: Set<Endpoint> = []
        var reader = DialectReader(dialect: options.dialect)
        for frame in capture.frames {
            guard let datagram = frame.datagram else { continue }
            let result = reader.read(datagram)
            parsed[frame.number] = result
            if case .success = result {
                chatEndpoints.insert(datagram.source)
                chatEndpoints.insert(datagram.destination)
            }
        }
        // Pass 2: classify.
        var timeline: [TimelineEntry] = []
        var summary = DecodeSummary()
        var lastCopy: [RepeatKey: (time: Double, copies: Int)] = [:]
        var sequences: [SenderKey: Set<SeqNo>] = [:]
        var senderOrder: [SenderKey] = []
        for frame in capture.frames {
            summary.frames += 1
            guard let datagram = frame.datagram, let result = parsed[frame.number] else {
                summary.skipped += 1
                timeline.append(skipped(frame, start: start))
                continue
            }
            var entry = TimelineEntry(
                frame: frame.number, timestamp: frame.timestamp, relative: frame.timestamp - start,
                source: datagram.source, destination: datagram.destination, payload: datagram.payload,
                kind: .nonChat, repetition: nil)
            switch result {
            case .success(let message):
                entry.kind = .chat(message)
                summary.chat += 1
                summary.verbs[message.verb, default: 0] += 1
                if case .msg(let conn, let id, let seq, _) = message {
                    let key = SenderKey(conn: conn, sender: id)
                    if sequences[key] == nil { senderOrder.append(key) }
                    sequences[key, default: []].insert(seq)
                }
            case .failure(let error):
                if looksLikeChat(datagram, chatEndpoints: chatEndpoints, options: options) {
                    entry.kind = .malformed(error)
                    summary.malformed += 1
                    summary.malformedKinds[error.kind, default: 0] += 1
                } else {
                    summary.nonChat += 1
                }
            }
            if case .nonChat = entry.kind {} else { markRepetition(&entry, datagram, lastCopy: &lastCopy, summary: &summary, options: options) }
            timeline.append(entry)
        }
        summary.gaps += gaps(senderOrder, sequences)
        return DecodedCapture(timeline: timeline, summary: summary, exchanges: Exchanges.link(timeline))
    }

    /// The timeline entry of a frame that carries no readable UDP datagram, saying why.
    private static func skipped(_ frame: CapturedFrame, start: Double) -> TimelineEntry {
        let reason = switch frame.content {
        case .notUDP(let text): "not UDP: \(text)"
        case .truncated(let text): "truncated: \(text)"
        case .fragmented(let text): "fragmented: \(text)"
        case .udp: "unreadable"
        }
        return TimelineEntry(frame: frame.number, timestamp: frame.timestamp, relative: frame.timestamp - start,
                             source: nil, destination: nil, payload: [], kind: .skipped(reason), repetition: nil)
    }

    /// The same datagram again between the same endpoints: a duplicate within `duplicateWindow`, else a
    /// re-send (counted by verb).
    private static func markRepetition(_ entry: inout TimelineEntry, _ datagram: UDPDatagram, lastCopy: inout [RepeatKey: (time: Double, copies: Int)],
                                       summary: inout DecodeSummary, options: Options) {
        var payload = datagram.payload
        if case .chat(let message) = entry.kind { payload = options.dialect.repeatKey(payload, readAs: message) }
        let key = RepeatKey(source: datagram.source, destination: datagram.destination, payload: payload)
        guard let previous = lastCopy[key] else {
            lastCopy[key] = (datagram.timestamp, 1)
            return
        }
        let copy = previous.copies + 1
        if datagram.timestamp - previous.time < options.duplicateWindow {
            entry.repetition = .duplicate(copy: copy)
            summary.duplicates += 1
        } else {
            entry.repetition = .resend(copy: copy)
            summary.resends += 1
            summary.resendsByVerb[verbLabel(entry.kind), default: 0] += 1
        }
        lastCopy[key] = (datagram.timestamp, copy)
    }

    /// Each sender's missing sequence numbers below the highest it sent, per connection.
    private static func gaps(_ senders: [SenderKey], _ sequences: [SenderKey: Set<SeqNo>]) -> [SequenceGap] {
        senders.compactMap { key in
            guard let seen = sequences[key], let highest = seen.max() else { return nil }
            let missing = (1..<max(highest, 1)).filter { !seen.contains($0) }
            return missing.isEmpty ? nil : SequenceGap(conn: key.conn, sender: key.sender, missing: missing)
        }
    }

    /// A datagram that fails to parse is reported as malformed chat if it looks like the dialect's
    /// (in the contract's format: its first word is a verb), it uses a chat port, or it travels
    /// between endpoints seen carrying valid chat.
    static func looksLikeChat(_ datagram: UDPDatagram, chatEndpoints: Set<Endpoint>, options: Options) -> Bool {
        if options.chatPorts.contains(datagram.source.port) || options.chatPorts.contains(datagram.destination.port) { return true }
        if chatEndpoints.contains(datagram.source) || chatEndpoints.contains(datagram.destination) { return true }
        return options.dialect.looksLikeMessage(datagram.payload)
    }

    /// Reads datagrams in a dialect, learning which endpoint is which client (from REGISTER,
    /// REGISTERED and peer messages' `{id}`), so a dialect without `{conn}` names a connection by
    /// its two peers, exactly as the peers themselves do; and remembering each socket's requests
    /// (`DialectRequestLog`), so an answer that does not repeat its id (`Client Left`) is read as
    /// the answer to the request it came back for.
    struct DialectReader {
        let dialect: Dialect
        var clients: [Endpoint: ClientID] = [:]
        var requests = DialectRequestLog()

        mutating func read(_ datagram: UDPDatagram) -> Result<Message, WireError> {
            let base = DialectContext(localID: clients[datagram.destination], connPeer: clients[datagram.source], source: datagram.source,
                                      senderID: clients[datagram.source])
            let context = requests.context(at: datagram.destination, from: datagram.source, base: base)
            let result = Result { () throws(WireError) -> DialectReading in try dialect.read(datagram.payload, context: context) }
            guard case .success(let reading) = result else { return result.map(\.message) }
            requests.sent(DialectRequest(reading, peer: clients[datagram.destination]), from: datagram.source, to: datagram.destination)
            switch reading.message {
            case .register(let id, _), .connect(_, let id), .accept(_, let id), .reject(_, let id), .msg(_, let id, _, _),
                 .ack(_, let id, _), .terminate(_, let id), .terminated(_, let id), .leave(let id):
                if id != 0 { clients[datagram.source] = id }
            case .registered(let id, _):
                if id != 0 { clients[datagram.destination] = id }  // the id the server gave (ids: server-assigned)
            default: break
            }
            return .success(reading.message)
        }
    }

    static func verbLabel(_ kind: TimelineEntry.Kind) -> String {
        switch kind {
        case .chat(let message): message.verb.rawValue
        case .malformed: "malformed"
        case .nonChat: "non-chat"
        case .skipped: "skipped"
        }
    }
}

extension Message {
    /// The message's fields by the names the Wireshark dissector uses (`udpchat.<name>`),
    /// in wire order, without the verb.
    public var namedFields: [(name: String, value: String)] {
        switch self {
        case .register(let id, let port), .registered(let id, let port): [("id", "\(id)"), ("port", "\(port)")]
        case .lookup(let id), .inactive(let id), .leave(let id), .left(let id): [("id", "\(id)")]
        case .peer(let id, let host, let port): [("id", "\(id)"), ("host", host), ("port", "\(port)")]
        case .error(let code, let id): [("code", code.rawValue), ("id", "\(id)")]
        case .connect(let conn, let id), .accept(let conn, let id), .reject(let conn, let id),
             .terminate(let conn, let id), .terminated(let conn, let id):
            [("conn", "\(conn)"), ("id", "\(id)")]
        case .msg(let conn, let id, let seq, let text): [("conn", "\(conn)"), ("id", "\(id)"), ("seq", "\(seq)"), ("text", text)]
        case .ack(let conn, let id, let seq): [("conn", "\(conn)"), ("id", "\(id)"), ("seq", "\(seq)")]
        }
    }
}
