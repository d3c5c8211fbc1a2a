// What a grader party remembers so that it can read and write a dialect whose datagrams depend on
// what came before (docs/DIALECTS.md "Answers, ids and receivers"): the requests it sent and read
// (one DialectRequestLog), the ids it hands out under `ids: server-assigned`, the id of each
// party it talks to and the next MSG number it expects from each (for `{bit}`). A pure value.
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

struct NodeWire: Sendable {
    let dialect: Dialect
    /// The node's own address: the socket side of every pair in `log`.
    let local: Endpoint
    /// Requests this node sent (socket `local` → destination) and read (source → `local`): an
    /// answer it reads is matched to the first kind, an answer it writes repeats the second's `{tag}`.
    private var log = DialectRequestLog(limit: 256)
    /// `ids: server-assigned`: the next id this node gives a new source (nil: it gives none).
    var nextAssigned: ClientID?
    /// The ids it gave, by source.
    private(set) var assigned: [Endpoint: ClientID] = [:]
    /// The id the other party has (the client under test), for datagrams that do not name their sender.
    var remoteID: ClientID?
    /// Ids learned from what each source sent.
    private var remoteIDs: [Endpoint: ClientID] = [:]
    /// The next MSG number expected from each source: a `{bit}` is read next to it.
    private var expected: [Endpoint: SeqNo] = [:]

    init(dialect: Dialect, local: Endpoint) {
        self.dialect = dialect
        self.local = local
    }

    /// The reading context a node without history would use (quotes, the trace of raw sends).
    static func plain(localID: ClientID?) -> DialectContext { DialectContext(localID: localID) }

    /// Reads a datagram from `source` as the answer to what this node asked there, and remembers
    /// what it tells (a request to answer, the sender's id, the id assigned to a REGISTER).
    mutating func read(_ bytes: [UInt8], from source: Endpoint, localID: ClientID?) -> Message? {
        let base = DialectContext(localID: localID, connPeer: remoteIDs[source] ?? remoteID, source: source,
                                  senderID: assigned[source] ?? nextAssigned, expectedSeq: expected[source] ?? 1)
        guard let reading = readNewestFirst(bytes, log.context(at: local, from: source, base: base)) else { return nil }
        learn(reading, from: source)
        return reading.message
    }

    /// Reads `bytes` as the answer to the most recent request that it can answer: the reader is
    /// offered one request at a time, newest first, then all of them. (Given all at once, it takes the
    /// first template that fits in the contract's verb order, so `ACK 0 OK` after a REGISTER and then a
    /// LEAVE would read as REGISTERED, where it is the LEAVE's LEFT.)
    private func readNewestFirst(_ bytes: [UInt8], _ context: DialectContext) -> DialectReading? {
        for request in context.requests.reversed() {
            var one = context
            one.requests = [request]
            if let reading = try? dialect.read(bytes, context: one), reading.message.verb.isRequest || reading.answers != nil {
                return reading
            }
        }
        return try? dialect.read(bytes, context: context)
    }

    private mutating func learn(_ reading: DialectReading, from source: Endpoint) {
        let message = reading.message
        log.sent(DialectRequest(reading), from: source, to: local)
        if case .register(let id, _) = message, reading.fromContext.contains(.id), let next = nextAssigned, id == next, assigned[source] == nil {
            assigned[source] = id
            nextAssigned = next &+ 1
        }
        if case .msg(_, _, let seq, _) = message { expected[source] = max(expected[source] ?? 1, seq &+ 1) }
        switch message {
        case .register(let id, _), .leave(let id), .connect(_, let id), .accept(_, let id), .reject(_, let id),
             .msg(_, let id, _, _), .ack(_, let id, _), .terminate(_, let id), .terminated(_, let id):
            if id != 0 { remoteIDs[source] = id }
        default: break
        }
    }

    /// `message` written for `destination`: an answer repeats the `{tag}` of the request read from
    /// there, a peer message names the destination's id as `{to}`; a request is remembered, so
    /// that its answer can be read. Nil when the dialect cannot write it.
    mutating func write(_ message: Message, to destination: Endpoint, localID: ClientID?) -> [UInt8]? {
        let peer = remoteIDs[destination] ?? remoteID
        let context = DialectContext(localID: localID, connPeer: peer, requests: log.requests(at: destination, from: local))
        guard let bytes = dialect.serialize(message, context: context) else { return nil }
        if message.verb.isRequest { log.sent(DialectRequest(message, peer: peer), from: local, to: destination) }
        return bytes
    }
}
