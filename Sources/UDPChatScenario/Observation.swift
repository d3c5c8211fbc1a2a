import UDPChatCore
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// What a run produced, in either mode: the proxies' trace, every displayed line, and how each
/// client ended. The checks only look at this, so sim and live are judged the same way.
public struct Observation: Sendable {
    public var trace: [TraceRecord]
    public var displays: [DisplayRecord]
    /// Clients that closed their socket: name → (why, when).
    public var closes: [String: (exit: ClientExit, at: Instant)]
    /// Scripts that did not finish: party → blocked step.
    public var stuck: [String: String]
    public var ids: [String: ClientID]
    public var rto: Duration
    public var endTime: Instant
    /// Added on both sides of every timing bound: zero in sim (virtual time is exact); in live mode
    /// the scheduling noise of a real clock on a loaded machine, as the grader also allows.
    public var timingAllowance: Duration = .zero

    /// The allowance live runs use: a proxy that reads the first copy of a datagram late makes its
    /// re-send look early by that much.
    /// Live runs with a patience per step: the party that waited on one step longer than that.
    public var outOfPatience: String?

    public static let liveTimingAllowance: Duration = .milliseconds(50)

    public init(trace: [TraceRecord], displays: [DisplayRecord], closes: [String: (exit: ClientExit, at: Instant)],
                stuck: [String: String], ids: [String: ClientID], rto: Duration, endTime: Instant) {
        self.trace = trace
        self.displays = displays
        self.closes = closes
        self.stuck = stuck
        self.ids = ids
        self.rto = rto
        self.endTime = endTime
    }

    init(_ result: SimResult, rto: Duration) {
        var closes: [String: (exit: ClientExit, at: Instant)] = [:]
        for client in result.clients {
            if let exit = client.exit, let at = client.closedAt { closes[client.name] = (exit, at) }
        }
        self.init(trace: result.trace, displays: result.displays, closes: closes, stuck: result.stuck, ids: result.ids,
                  rto: rto, endTime: result.endTime)
    }

    func lines(of party: String) -> [DisplayRecord] { displays.filter { $0.party == party } }

    /// Texts displayed at `party` as chat messages from client `id` ("[id] text"), in order.
    func delivered(at party: String, from id: ClientID) -> [String] {
        let prefix = "[\(id)] "
        return displays.compactMap { record in
            guard record.party == party, record.line.hasPrefix(prefix) else { return nil }
            return String(record.line.dropFirst(prefix.count))
        }
    }

    func records(_ filter: WireFilter) -> [TraceRecord] {
        trace.filter { record in
            if let verb = filter.verb, record.message?.verb != verb { return false }
            if let from = filter.from, record.from != from { return false }
            if let to = filter.to, record.to != to { return false }
            if let seq = filter.seq, record.message?.seq != seq { return false }
            if let proxy = filter.proxy, record.proxy != proxy { return false }
            if let direction = filter.direction, record.direction != direction { return false }
            if let verdict = filter.verdict, record.verdict != verdict { return false }
            return true
        }
    }
}
