import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport

// The sans-I/O heart of transparent mode: datagrams seen on the loopback (source and destination as
// they are) go through the one relay core (`RelayCore`) as flows between two endpoints, and the core's
// effects come back as a verdict on the queued packet plus copies to inject. No socket, no clock.

/// The two ends of a conversation on the loopback. `initiator` → `responder` is `up`: toward the
/// server (a datagram to `serverPort`), else from whoever spoke first. The relay core keys its flows by it.
public struct EndpointPair: RelayClientAddress, Sendable {
    public var initiator: Endpoint
    public var responder: Endpoint

    public init(initiator: Endpoint, responder: Endpoint) {
        self.initiator = initiator
        self.responder = responder
    }

    /// The core's "client": the initiator (counters only; traces are rewritten with both ends).
    public var endpoint: Endpoint { initiator }

    /// Source and destination of a datagram going `direction` in this pair.
    public func route(_ direction: Direction) -> (source: Endpoint, destination: Endpoint) {
        direction == .up ? (initiator, responder) : (responder, initiator)
    }
}

/// What happens to the queued packet the core was just shown.
public enum PacketVerdict: Equatable, Sendable {
    /// Let it through unchanged.
    case accept
    /// Let it through carrying this UDP payload instead (corrupted, truncated, or another copy of the
    /// same route that is due now: on the wire the two are the same).
    case acceptModified([UInt8])
    /// Drop it (lost, or its copies leave later by injection).
    case drop
}

/// What the driver must do besides the verdict.
public enum TransparentEffect {
    /// Send this datagram on the loopback, from `source` to `destination` (a duplicate, a delayed copy).
    case inject(source: Endpoint, destination: Endpoint, payload: [UInt8])
    /// Call `timerFired(now:into:)` at (or just after) this time; replaces any earlier arming.
    case armTimer(at: Instant)
    /// One decision for the trace, with the real source and destination.
    case trace(RelayTraceEvent)
    /// A datagram of a new pair was dropped: the relay has `maxFlows` flows.
    case flowLimited(source: Endpoint, destination: Endpoint, size: Int)
    /// A change of settings or rules took effect (timeline): trace it.
    case control(ControlRecord)
}

/// The transparent relay's state: a `RelayCore` whose flows are endpoint pairs, and the map from an
/// unordered pair of endpoints to its flow. Events in (a queued datagram, the timer), a verdict and
/// effects out.
public struct TransparentCore {
    public private(set) var relay: RelayCore<EndpointPair>
    /// Datagrams to this port go `up` (the server's port); nil: the first speaker of a pair is the initiator.
    public let serverPort: UInt16?
    /// Which datagrams the relay impairs (`TransparentConfiguration.scope`); nil: every one.
    public let scope: (@Sendable (_ source: Endpoint, _ destination: Endpoint) -> Bool)?
    private var flowOfPair: [UnorderedPair: UInt64] = [:]
    private var pairOfFlow: [UInt64: EndpointPair] = [:]
    private var effects: [RelayEffect<EndpointPair>] = []

    public init(configuration: RelayConfiguration, serverPort: UInt16?,
                scope: (@Sendable (_ source: Endpoint, _ destination: Endpoint) -> Bool)? = nil) {
        relay = RelayCore(configuration: configuration)
        self.serverPort = serverPort
        self.scope = scope
    }

    /// The counters now (the relay core's).
    public var stats: LinkStats { relay.stats }

    /// A queued datagram from `source` to `destination` at `now`: what to do with it, and what else.
    public mutating func packet(_ payload: [UInt8], from source: Endpoint, to destination: Endpoint, now: Instant,
                                into out: inout [TransparentEffect]) -> PacketVerdict {
        // Out of scope: it passes untouched, neither counted nor traced, and opens no flow.
        if let scope, !scope(source, destination) { return .accept }
        effects.removeAll(keepingCapacity: true)
        let key = UnorderedPair(source, destination)
        let direction: Direction
        if let flow = flowOfPair[key], let pair = pairOfFlow[flow] {
            direction = pair.initiator == source ? .up : .down
            if direction == .up {
                relay.clientDatagram(payload, size: payload.count, from: pair, now: now, into: &effects)
            } else {
                relay.upstreamDatagram(payload, size: payload.count, flow: flow, now: now, into: &effects)
            }
        } else if orientation(from: source, to: destination) == .down {
            // The server speaks first to this client: open the flow from the client's side.
            let pair = EndpointPair(initiator: destination, responder: source)
            guard let flow = relay.openFlow(for: pair, now: now, into: &effects) else {
                out.append(.flowLimited(source: source, destination: destination, size: payload.count))
                return .drop
            }
            direction = .down
            relay.upstreamDatagram(payload, size: payload.count, flow: flow, now: now, into: &effects)
        } else {
            // A new pair: its first datagram opens the flow, so it goes up (from the initiator).
            direction = .up
            relay.clientDatagram(payload, size: payload.count, from: EndpointPair(initiator: source, responder: destination), now: now,
                                 into: &effects)
        }
        let current = Current(flow: relay.lastFlow, direction: direction, payload: payload)
        return carryOut(current: current, into: &out)
    }

    /// The timer armed by `.armTimer` fired: delayed copies due now (or within `batch`) are injected.
    public mutating func timerFired(now: Instant, batch: Duration = .zero, into out: inout [TransparentEffect]) {
        effects.removeAll(keepingCapacity: true)
        relay.timerFired(now: now, batch: batch, into: &effects)
        _ = carryOut(current: nil, into: &out)
    }

    /// Stops: every delayed copy is injected at once; later datagrams of new pairs are dropped.
    public mutating func stop(into out: inout [TransparentEffect]) {
        effects.removeAll(keepingCapacity: true)
        relay.stop(into: &effects)
        _ = carryOut(current: nil, into: &out)
    }

    /// Which direction a new pair's flow would take for a datagram from `source` to `destination`:
    /// toward `serverPort` is up; from it, down (the pair is then opened the other way round).
    public func orientation(from source: Endpoint, to destination: Endpoint) -> Direction {
        if let serverPort, source.port == serverPort, destination.port != serverPort { return .down }
        return .up
    }

    private struct Current {
        var flow: UInt64
        var direction: Direction
        var payload: [UInt8]
    }

    /// Turns the relay core's effects into the verdict on the current packet (the first copy due now
    /// on its flow and direction) and injections (every other copy).
    private mutating func carryOut(current: Current?, into out: inout [TransparentEffect]) -> PacketVerdict {
        var verdict = PacketVerdict.drop
        var decided = current == nil
        for effect in effects {
            switch effect {
            case .openUpstream(let flow):
                // No socket to open: the loopback is the path.
                relay.upstreamOpened(flow: flow)
                if let pair = relay.client(ofFlow: flow) {
                    pairOfFlow[flow] = pair
                    flowOfPair[UnorderedPair(pair.initiator, pair.responder)] = flow
                }
            case .closeUpstream(let flow):
                if let pair = pairOfFlow.removeValue(forKey: flow) { flowOfPair[UnorderedPair(pair.initiator, pair.responder)] = nil }
            case .sendUp(let flow, let payload), .sendDown(let flow, _, let payload):
                let direction: Direction = if case .sendUp = effect { .up } else { .down }
                if !decided, let current, current.flow == flow, current.direction == direction {
                    decided = true
                    if case .bytes(let bytes) = payload { verdict = .acceptModified(bytes) } else { verdict = .accept }
                    continue
                }
                guard let pair = pairOfFlow[flow] else { continue }
                let bytes: [UInt8] = if case .bytes(let bytes) = payload { bytes } else { current?.payload ?? [] }
                let route = pair.route(direction)
                out.append(.inject(source: route.source, destination: route.destination, payload: bytes))
            case .armTimer(let at):
                out.append(.armTimer(at: at))
            case .trace(var event):
                let (flow, direction) = event.flowAndDirection
                if let pair = pairOfFlow[flow] { (event.source, event.destination) = pair.route(direction) }
                out.append(.trace(event))
            case .flowLimited(let pair, let size):
                out.append(.flowLimited(source: pair.initiator, destination: pair.responder, size: size))
            case .control(let record):
                out.append(.control(record))
            }
        }
        return verdict
    }
}

/// Two endpoints in either order (the key of a conversation).
struct UnorderedPair: Hashable {
    let low: Endpoint
    let high: Endpoint

    init(_ a: Endpoint, _ b: Endpoint) {
        if (a.host, a.port) <= (b.host, b.port) { (low, high) = (a, b) } else { (low, high) = (b, a) }
    }
}

extension RelayTraceEvent {
    /// The flow and direction of the decision.
    var flowAndDirection: (UInt64, Direction) {
        switch decision {
        case .deliver(let d): (d.flow, d.direction)
        case .drop(let d): (d.flow, d.direction)
        }
    }
}
