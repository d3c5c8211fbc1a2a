import UDPChatImpairment
import UDPChatSupport

/// A client address a relay core can key its flows by: NIO's `SocketAddress` in the proxy, an
/// `Endpoint` in the simulator. `endpoint` is read once per new flow (for traces and counters).
public protocol RelayClientAddress: Hashable {
    var endpoint: Endpoint { get }
}

extension Endpoint: RelayClientAddress {
    @inlinable public var endpoint: Endpoint { self }
}

/// Everything one relay (one listen → target link) needs.
public struct RelayConfiguration: Sendable {
    /// The link's name (traces, counters, seed derivation).
    public var name: String
    /// Where clients send to (for counters; the driver may learn it only after binding).
    public var listen: Endpoint
    /// Where the clients' datagrams go.
    public var target: Endpoint
    public var impairments: ImpairmentConfig
    /// The run's seed: the link's engine draws from `RelaySeed.link(seed, name:)`.
    public var seed: UInt64
    /// A flow with no datagram either way for this long is closed (its upstream socket too).
    public var flowIdle: Duration
    /// Most flows at once; datagrams from further clients are dropped (`flow-limit`).
    public var maxFlows: Int
    /// Emit a `.trace` effect per decision (and run the engine even when nothing is impaired).
    public var tracing: Bool
    /// Count received datagrams by verb (`DirectionStats.verbs`), as the link's reader reads them.
    public var countVerbs: Bool

    /// The proxy's defaults: flows idle for 60 s are closed, at most 1024 flows.
    public static let defaultFlowIdle = Duration.seconds(60)
    public static let defaultMaxFlows = 1024

    public init(name: String, listen: Endpoint, target: Endpoint, impairments: ImpairmentConfig = ImpairmentConfig(), seed: UInt64,
                flowIdle: Duration = Self.defaultFlowIdle, maxFlows: Int = Self.defaultMaxFlows, tracing: Bool = false,
                countVerbs: Bool = false) {
        self.name = name
        self.listen = listen
        self.target = target
        self.impairments = impairments
        self.seed = seed
        self.flowIdle = flowIdle
        self.maxFlows = maxFlows
        self.tracing = tracing
        self.countVerbs = countVerbs
    }
}

/// The per-link seed: every link (proxy) draws from its own stream, derived from the run's seed
/// and its name, so the live proxy and the simulator make the same decisions for the same seed.
public enum RelaySeed {
    public static func link(_ seed: UInt64, name: String) -> UInt64 {
        var stream = SplitMix64.stream(seed: seed, label: "link/\(name)")
        return stream.next()
    }
}

/// Which bytes a send effect carries.
public enum RelayPayload: Sendable {
    /// The datagram of the event that produced this effect, unchanged (the driver reuses its buffer).
    case arrived
    /// These bytes (a changed, duplicated or delayed copy).
    case bytes([UInt8])
}

/// What the driver must do after an event.
public enum RelayEffect<Client: RelayClientAddress> {
    /// Open the upstream socket of a new flow, then call `upstreamOpened` (or `upstreamFailed`).
    /// Sends up for the flow may come before that: the driver keeps them until the socket is open.
    case openUpstream(flow: UInt64)
    /// Close the flow's upstream socket (idle expiry, failure, stop). Later datagrams to it are lost.
    case closeUpstream(flow: UInt64)
    /// Send to the target from the flow's upstream socket.
    case sendUp(flow: UInt64, RelayPayload)
    /// Send to the client from the listening socket.
    case sendDown(flow: UInt64, to: Client, RelayPayload)
    /// Call `timerFired(now:)` at (or just after) this time; replaces any earlier arming.
    case armTimer(at: Instant)
    /// One decision, for the trace and the observer (only with `tracing`).
    indirect case trace(RelayTraceEvent)
    /// A datagram from a new client was dropped: the link has `maxFlows` flows.
    case flowLimited(from: Client, size: Int)
    /// A change of the link's settings or rules took effect (timeline or control API): trace it.
    case control(ControlRecord)
}

/// The sans-I/O relay of one link: the flow table (one flow per client source address, idle
/// expiry, a flow limit), the impairment engine, the delay queue, the counters and the trace
/// records. Events in (a datagram from a client, a datagram from upstream on a flow, a timer),
/// effects out (send, open or close an upstream socket, arm the timer, trace). No clock, no I/O:
/// the NIO proxy (`UDPChatProxy`) and the simulator drive this same value.
///
/// Effects are appended to an array the driver owns and reuses, so the hot path allocates
/// nothing beyond the engine's own work (and nothing at all when the link is a passthrough).
public struct RelayCore<Client: RelayClientAddress> {
    @usableFromInline
    struct Flow {
        @usableFromInline let client: Client
        @usableFromInline let endpoint: Endpoint
        @usableFromInline var lastActive: Instant
        /// Copies of this flow waiting in the delay queue.
        @usableFromInline var inFlight = 0
        /// The upstream socket is being opened; sends up wait in the driver (`backlog` of them).
        @usableFromInline var opening = true
        @usableFromInline var backlog: UInt64 = 0
        @usableFromInline var backlogBytes: UInt64 = 0

        @usableFromInline init(client: Client, endpoint: Endpoint, now: Instant) {
            self.client = client
            self.endpoint = endpoint
            self.lastActive = now
        }
    }

    public let configuration: RelayConfiguration
    @usableFromInline var engine: ImpairmentEngine
    @usableFromInline var passthrough: Bool
    @usableFromInline var ruleTexts: [String]
    @usableFromInline let unknown = Endpoint(host: "?", port: 0)
    @usableFromInline var counters: LinkStats
    @usableFromInline var flows: [UInt64: Flow] = [:]
    @usableFromInline var flowOfClient: [Client: UInt64] = [:]
    /// The previous client datagram's client and flow (spares a hash lookup in a burst).
    @usableFromInline var lastClient: Client?
    @usableFromInline var lastClientFlow: UInt64 = 0
    @usableFromInline var nextFlowID: UInt64 = 1
    /// The last flow looked up and its index in `flows` (valid until a flow opens or closes):
    /// a burst of one flow's datagrams, either way, hashes its id once.
    @usableFromInline var cachedFlow: UInt64 = 0
    @usableFromInline var cachedIndex: [UInt64: Flow].Index?
    @usableFromInline var decisions: [Decision] = []
    @usableFromInline var queue = DelayQueue()
    /// No flow can expire before this (the earliest `lastActive + flowIdle`, or later).
    @usableFromInline var expiryCheck: Instant?
    @usableFromInline var stopped = false
    /// The time of the last `.armTimer` effect not yet fired.
    public private(set) var armedTimer: Instant?
    /// The flow of the last datagram event (0: none, e.g. dropped at the flow limit).
    @inlinable public var lastFlow: UInt64 { lastEventFlow }
    @usableFromInline var lastEventFlow: UInt64 = 0

    public init(configuration: RelayConfiguration) {
        self.configuration = configuration
        self.engine = ImpairmentEngine(config: configuration.impairments, seed: RelaySeed.link(configuration.seed, name: configuration.name),
                                       origin: .zero)
        self.passthrough = configuration.impairments.isPassthrough && !configuration.tracing
        self.ruleTexts = configuration.impairments.rules.map(\.text)
        self.counters = LinkStats(name: configuration.name, listen: configuration.listen, target: configuration.target)
        self.decisions.reserveCapacity(8)
    }

    /// True when datagram events need their bytes (false for a passthrough link: pass nil).
    @inlinable public var needsBytes: Bool { !passthrough || configuration.countVerbs }

    /// The serial the engine gives the next datagram it sees.
    public var nextSerial: UInt64 { engine.processed }

    /// The listening address, once the driver knows it.
    public mutating func setListen(_ endpoint: Endpoint) { counters.listen = endpoint }

    /// The counters now, with the active flow count and the rule counters.
    public var stats: LinkStats {
        var s = counters
        s.activeFlows = flows.count
        s.rules = engine.counters.rules.enumerated().map { RuleStats(rule: ruleTexts[$0.offset], matched: $0.element.matched, acted: $0.element.acted) }
        return s
    }

    /// The client address of a flow (nil once it is closed).
    public func client(ofFlow flow: UInt64) -> Client? { flows[flow]?.client }

    // MARK: - Events

    /// A datagram from `client` arrived at the listening socket at `now`.
    /// - Parameter bytes: its bytes; may be nil when `needsBytes` is false.
    @inlinable
    public mutating func clientDatagram(_ bytes: [UInt8]?, size: Int, from client: Client, now: Instant,
                                        into effects: inout [RelayEffect<Client>]) {
        counters.up.received &+= 1
        counters.up.bytesReceived &+= UInt64(size)
        if configuration.countVerbs, let bytes { counters.up.verbs.count(bytes, with: configuration.impairments.reader) }
        let id: UInt64
        if let last = lastClient, last == client {
            id = lastClientFlow
        } else if let existing = flowOfClient[client] {
            id = existing
            lastClient = client
            lastClientFlow = existing
        } else {
            guard flows.count < configuration.maxFlows, !stopped else {
                counters.up.flowLimit &+= 1
                lastEventFlow = 0
                effects.append(.flowLimited(from: client, size: size))
                return
            }
            id = openFlow(client, now: now, into: &effects)
            lastClient = client
            lastClientFlow = id
        }
        let index = flowIndex(id)!
        flows.values[index].lastActive = now
        lastEventFlow = id
        if passthrough {
            counters.up.delivered &+= 1
            sendUp(id, at: index, .arrived, size: size, into: &effects)
            return
        }
        impair(bytes ?? [], direction: .up, flow: id, now: now, into: &effects)
    }

    /// A datagram from the target arrived at `flow`'s upstream socket at `now`.
    @inlinable
    public mutating func upstreamDatagram(_ bytes: [UInt8]?, size: Int, flow id: UInt64, now: Instant,
                                          into effects: inout [RelayEffect<Client>]) {
        guard let index = flowIndex(id) else {
            lastEventFlow = 0
            return
        }
        counters.down.received &+= 1
        counters.down.bytesReceived &+= UInt64(size)
        if configuration.countVerbs, let bytes { counters.down.verbs.count(bytes, with: configuration.impairments.reader) }
        flows.values[index].lastActive = now
        lastEventFlow = id
        if passthrough {
            counters.down.delivered &+= 1
            counters.down.sent &+= 1
            counters.down.bytesSent &+= UInt64(size)
            effects.append(.sendDown(flow: id, to: flows.values[index].client, .arrived))
            return
        }
        impair(bytes ?? [], direction: .down, flow: id, now: now, into: &effects)
    }

    /// Opens `client`'s flow before any datagram from it (a transparent relay whose first datagram
    /// of a pair comes from the target's side); returns the flow, the existing one if there is one,
    /// nil at the flow limit. Its datagrams then go through `upstreamDatagram`.
    public mutating func openFlow(for client: Client, now: Instant, into effects: inout [RelayEffect<Client>]) -> UInt64? {
        if let existing = flowOfClient[client] { return existing }
        guard flows.count < configuration.maxFlows, !stopped else { return nil }
        return openFlow(client, now: now, into: &effects)
    }

    /// The flow's upstream socket is open: what waited for it is sent now (by the driver).
    public mutating func upstreamOpened(flow id: UInt64) {
        guard let flow = flows[id], flow.opening else { return }
        flows[id]!.opening = false
        flows[id]!.backlog = 0
        flows[id]!.backlogBytes = 0
        counters.up.inFlight &-= flow.backlog
        counters.up.sent &+= flow.backlog
        counters.up.bytesSent &+= flow.backlogBytes
    }

    /// The flow's upstream socket could not be opened: what waited for it is lost (and counted),
    /// and the flow is closed.
    public mutating func upstreamFailed(flow id: UInt64, into effects: inout [RelayEffect<Client>]) {
        guard let flow = flows[id] else { return }
        counters.up.inFlight &-= flow.backlog
        counters.up.sendErrors &+= flow.backlog
        closeFlow(id, into: &effects)
    }

    /// The timer armed by `.armTimer` fired (at `now`, at or after the armed time): sends the
    /// delayed copies that are due, releases held datagrams, closes idle flows, re-arms.
    /// - Parameter batch: copies due within this much after `now` leave now too, in the same
    ///   batch (a live driver spares a wake-up that would come later than they are due anyway).
    public mutating func timerFired(now: Instant, batch: Duration = .zero, into effects: inout [RelayEffect<Client>]) {
        armedTimer = nil
        flushDue(now: now + batch, into: &effects)
        if let held = engine.nextTimeout, held <= now {
            for decision in engine.timeout(now: now) {
                apply(decision, arrivedSerial: .max, arrived: [], now: now, into: &effects)
            }
            for direction in Direction.allCases { counters[direction].held = engine.counters[direction].held }
        }
        if let check = expiryCheck, check <= now { expireIdleFlows(now: now, into: &effects) }
        armTimer(now: now, into: &effects)
    }

    /// Stops relaying: every delayed copy is sent at once, every flow closed; later datagrams
    /// from new clients are dropped (`flow-limit`).
    public mutating func stop(into effects: inout [RelayEffect<Client>]) {
        stopped = true
        flushDue(now: Instant(nanoseconds: .max), into: &effects)
        for id in flows.keys.sorted() { closeFlow(id, into: &effects) }
        armedTimer = nil
    }

    // MARK: - Impairment

    @usableFromInline
    mutating func impair(_ bytes: [UInt8], direction: Direction, flow: UInt64, now: Instant, into effects: inout [RelayEffect<Client>]) {
        decisions.removeAll(keepingCapacity: true)
        engine.process(Datagram(bytes: bytes, direction: direction, flow: flow), now: now, into: &decisions)
        let serial = engine.processed &- 1
        if engine.hasControlRecords { takeControlRecords(into: &effects) }
        for decision in decisions {
            apply(decision, arrivedSerial: serial, arrived: bytes, now: now, into: &effects)
        }
        counters[direction].held = engine.counters[direction].held
        armTimer(now: now, into: &effects)
    }

    /// Counts, traces and carries out one decision.
    @usableFromInline
    mutating func apply(_ decision: Decision, arrivedSerial serial: UInt64, arrived: [UInt8], now: Instant,
                        into effects: inout [RelayEffect<Client>]) {
        switch decision {
        case .drop(let drop):
            counters[drop.direction].dropped[drop.reason] &+= 1
            if configuration.tracing { effects.append(.trace(traceEvent(decision, flow: drop.flow, payload: arrived, rule: drop.rule, now: now))) }
        case .deliver(let d):
            let dir = d.direction
            if d.notes.contains(.duplicate) { counters[dir].duplicated &+= 1 } else { counters[dir].delivered &+= 1 }
            if !d.notes.isEmpty {
                if d.notes.contains(.delayed) { counters[dir].delayed &+= 1 }
                if d.notes.contains(.reordered) { counters[dir].reordered &+= 1 }
                if d.notes.contains(.corrupted) { counters[dir].corrupted &+= 1 }
                if d.notes.contains(.truncated) { counters[dir].truncated &+= 1 }
            }
            if configuration.tracing {
                let payload = d.serial == serial ? arrived : d.bytes
                effects.append(.trace(traceEvent(decision, flow: d.flow, payload: payload, rule: d.rule, now: now)))
            }
            guard let index = flowIndex(d.flow) else {
                counters[dir].expired &+= 1
                return
            }
            if d.at <= now {
                let payload: RelayPayload = d.serial == serial && !d.notes.modified ? .arrived : .bytes(d.bytes)
                if dir == .up {
                    sendUp(d.flow, at: index, payload, size: d.bytes.count, into: &effects)
                } else {
                    sendDown(d.flow, at: index, payload, size: d.bytes.count, into: &effects)
                }
            } else {
                queue.push(at: d.at, direction: dir, flow: d.flow, bytes: d.bytes)
                counters[dir].inFlight &+= 1
                flows.values[index].inFlight += 1
            }
        }
    }

    @usableFromInline
    func traceEvent(_ decision: Decision, flow: UInt64, payload: [UInt8], rule: Int?, now: Instant) -> RelayTraceEvent {
        let up: Bool
        switch decision {
        case .deliver(let d): up = d.direction == .up
        case .drop(let d): up = d.direction == .up
        }
        let client = flows[flow]?.endpoint ?? unknown
        return RelayTraceEvent(
            time: now, link: configuration.name, decision: decision,
            source: up ? client : configuration.target, destination: up ? configuration.target : client,
            size: payload.count, payload: payload, rule: rule.map { ruleTexts[$0] }, reader: configuration.impairments.reader)
    }

    // MARK: - Sends

    @inlinable
    mutating func sendUp(_ id: UInt64, at index: [UInt64: Flow].Index, _ payload: RelayPayload, size: Int,
                         into effects: inout [RelayEffect<Client>]) {
        if flows.values[index].opening {
            flows.values[index].backlog &+= 1
            flows.values[index].backlogBytes &+= UInt64(size)
            counters.up.inFlight &+= 1
        } else {
            counters.up.sent &+= 1
            counters.up.bytesSent &+= UInt64(size)
        }
        effects.append(.sendUp(flow: id, payload))
    }

    @inlinable
    mutating func sendDown(_ id: UInt64, at index: [UInt64: Flow].Index, _ payload: RelayPayload, size: Int,
                           into effects: inout [RelayEffect<Client>]) {
        counters.down.sent &+= 1
        counters.down.bytesSent &+= UInt64(size)
        effects.append(.sendDown(flow: id, to: flows.values[index].client, payload))
    }

    @usableFromInline
    mutating func flushDue(now: Instant, into effects: inout [RelayEffect<Client>]) {
        while let first = queue.first, first.at <= now, let pending = queue.pop() {
            counters[pending.direction].inFlight &-= 1
            guard let index = flowIndex(pending.flow) else {
                counters[pending.direction].expired &+= 1
                continue
            }
            flows.values[index].inFlight -= 1
            if pending.direction == .up {
                sendUp(pending.flow, at: index, .bytes(pending.bytes), size: pending.bytes.count, into: &effects)
            } else {
                sendDown(pending.flow, at: index, .bytes(pending.bytes), size: pending.bytes.count, into: &effects)
            }
        }
    }

    // MARK: - Timer

    /// Arms the timer for the earliest of: the next delayed copy, the engine's next release, the
    /// next possible flow expiry (only when earlier than what is armed).
    @usableFromInline
    mutating func armTimer(now: Instant, into effects: inout [RelayEffect<Client>]) {
        guard !stopped else { return }
        var next = queue.first?.at
        if let held = engine.nextTimeout { next = next.map { min($0, held) } ?? held }
        if let check = expiryCheck { next = next.map { min($0, check) } ?? check }
        guard let next else { return }
        if let armed = armedTimer, armed <= next { return }
        armedTimer = next
        effects.append(.armTimer(at: next))
    }

    // MARK: - Flows

    /// The index of a flow in `flows` (nil when it is closed).
    @inlinable
    mutating func flowIndex(_ id: UInt64) -> [UInt64: Flow].Index? {
        if id == cachedFlow, let cachedIndex { return cachedIndex }
        guard let index = flows.index(forKey: id) else { return nil }
        (cachedFlow, cachedIndex) = (id, index)
        return index
    }

    @usableFromInline
    mutating func openFlow(_ client: Client, now: Instant, into effects: inout [RelayEffect<Client>]) -> UInt64 {
        let id = nextFlowID
        nextFlowID += 1
        flows[id] = Flow(client: client, endpoint: client.endpoint, now: now)
        cachedIndex = nil
        flowOfClient[client] = id
        counters.flowsOpened += 1
        effects.append(.openUpstream(flow: id))
        let expiry = now + configuration.flowIdle
        if expiryCheck.map({ expiry < $0 }) ?? true {
            expiryCheck = expiry
            armTimer(now: now, into: &effects)
        }
        return id
    }

    /// Closes the flows idle for `flowIdle` (none with copies still in the delay queue, none
    /// whose socket is still opening) and sets the next check.
    @usableFromInline
    mutating func expireIdleFlows(now: Instant, into effects: inout [RelayEffect<Client>]) {
        var idle: [UInt64] = []
        var next: Instant?
        for (id, flow) in flows {
            let deadline = flow.lastActive + configuration.flowIdle
            if deadline <= now {
                if flow.inFlight == 0 && !flow.opening {
                    idle.append(id)
                    continue
                }
                // Busy: look again a little later.
                let again = now + max(min(configuration.flowIdle / 4, .seconds(1)), .milliseconds(10))
                next = next.map { min($0, again) } ?? again
            } else {
                next = next.map { min($0, deadline) } ?? deadline
            }
        }
        for id in idle.sorted() {
            closeFlow(id, into: &effects)
            counters.flowsExpired += 1
        }
        expiryCheck = next
    }

    @usableFromInline
    mutating func closeFlow(_ id: UInt64, into effects: inout [RelayEffect<Client>]) {
        guard let flow = flows.removeValue(forKey: id) else { return }
        cachedIndex = nil
        flowOfClient[flow.client] = nil
        if lastClientFlow == id {
            lastClient = nil
            lastClientFlow = 0
        }
        effects.append(.closeUpstream(flow: id))
    }
}
