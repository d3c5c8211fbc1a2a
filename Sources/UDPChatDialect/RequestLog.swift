// The requests each socket sent, kept so that answers which do not repeat what they answer
// (`Client Left`, `ACK 0 OK`, a bare `1`) can be read: the grader, proxy and decoder record what
// goes out and read what comes back with `context(at:from:)`.
import UDPChatSupport
import UDPChatWire

/// Requests sent, by (sending socket, destination): the most recent one of each verb, in the
/// order sent. An answer arriving at a socket from an address is matched to the most recent
/// request it can answer that the socket sent there (`DialectContext.requests`). Pure: no clock,
/// no I/O; bounded to `limit` socket pairs (the least recently used pair is forgotten).
public struct DialectRequestLog: Sendable {
    struct Pair: Hashable, Sendable {
        var socket: Endpoint
        var remote: Endpoint
    }

    private var requests: [Pair: [DialectRequest]] = [:]
    private var recency: [Pair] = []
    public let limit: Int

    public init(limit: Int = 1024) {
        self.limit = max(1, limit)
    }

    /// Records a request (any message: answers are ignored) sent from `socket` to `destination`;
    /// it replaces an earlier request of the same verb on that pair (a re-send, or the next one).
    public mutating func sent(_ request: DialectRequest, from socket: Endpoint, to destination: Endpoint) {
        guard request.message.verb.isRequest else { return }
        let pair = Pair(socket: socket, remote: destination)
        var list = requests[pair] ?? []
        list.removeAll { $0.message.verb == request.message.verb }
        list.append(request)
        requests[pair] = list
        recency.removeAll { $0 == pair }
        recency.append(pair)
        if recency.count > limit { requests[recency.removeFirst()] = nil }
    }

    /// The requests `socket` sent to `source`, oldest first: what a datagram arriving at `socket`
    /// from `source` may answer.
    public func requests(at socket: Endpoint, from source: Endpoint) -> [DialectRequest] {
        requests[Pair(socket: socket, remote: source)] ?? []
    }

    /// `base` with the requests a datagram arriving at `socket` from `source` may answer (and
    /// `source` as the datagram's source).
    public func context(at socket: Endpoint, from source: Endpoint, base: DialectContext = DialectContext()) -> DialectContext {
        var context = base
        context.requests = requests(at: socket, from: source)
        context.source = context.source ?? source
        return context
    }
}
