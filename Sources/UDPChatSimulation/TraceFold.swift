// How a relay core's decisions become the trace's records, one per datagram: the one way for the
// simulator (SimRelay folds each decision as it is made) and live runs (the proxy's decisions, kept
// in memory, folded once the run is over).
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport
import UDPChatWire

extension TraceRecord {
    /// Folds one decision about this datagram into it: a copy delivered, or the drop.
    public mutating func apply(_ event: RelayTraceEvent) {
        switch event.decision {
        case .deliver(let delivery): addDelivery(at: delivery.at, notes: delivery.notes, rule: event.rule)
        case .drop(let drop): self.drop(reason: drop.reason.rawValue, rule: event.rule)
        }
    }
}

/// A trace built from the relay's decisions alone: each datagram's record is made by its first
/// decision (arrived when its first copy's delay began, or when it was dropped) and every decision is
/// folded into it. Party names come from `names`.
public struct TraceFold: Sendable {
    private struct Key: Hashable {
        var link: String
        var serial: UInt64
    }

    private var records: [TraceRecord] = []
    private var index: [Key: Int] = [:]
    private let names: [Endpoint: String]

    public init(names: [Endpoint: String]) {
        self.names = names
    }

    public mutating func add(_ event: RelayTraceEvent) {
        let (direction, flow, arrived): (Direction, UInt64, Instant) = switch event.decision {
        case .deliver(let delivery): (delivery.direction, delivery.flow, delivery.at - delivery.delay)
        case .drop(let drop): (drop.direction, drop.flow, event.time)
        }
        let key = Key(link: event.link, serial: event.decision.serial)
        let position: Int
        if let known = index[key] {
            position = known
            if records[position].time > arrived { records[position].time = arrived }
        } else {
            position = records.count
            index[key] = position
            records.append(TraceRecord(time: arrived, proxy: event.link, direction: direction, flow: flow, serial: key.serial,
                                       source: event.source, destination: event.destination, from: names[event.source] ?? "?",
                                       to: names[event.destination] ?? "?", size: event.size, message: event.reader(event.payload)))
        }
        records[position].apply(event)
    }

    /// The records in the order they arrived (ties by proxy, then serial).
    public var trace: [TraceRecord] {
        records.sorted { ($0.time, $0.proxy, $0.serial) < ($1.time, $1.proxy, $1.serial) }
    }
}
