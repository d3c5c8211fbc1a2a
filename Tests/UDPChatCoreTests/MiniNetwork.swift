import UDPChatCore
import UDPChatSupport
import UDPChatWire

/// A deterministic in-test network: one `ServerRegistry` and some `ChatClient`s on a virtual clock,
/// with a single event queue and seeded loss, duplication and reordering (random delay) of datagrams.
struct MiniNetwork {
    struct Impairment {
        var loss = 0.0
        var duplicate = 0.0
        /// Each datagram copy is delayed uniformly within this range (so datagrams overtake each other).
        var minDelay = Duration.milliseconds(1)
        var maxDelay = Duration.milliseconds(1)
    }

    enum Event {
        case datagram([UInt8], from: Endpoint, to: Endpoint)
        case clientTimer(ClientID, ClientTimer, Instant)
        case serverTimer(ServerTimer, Instant)
        case user(ClientID, UserCommand)
    }

    /// A plain one-session UDP relay in front of a client: whatever reaches `outer` goes to the client
    /// from `inner`; whatever the client sends to `inner` goes back from `outer` to the last outside sender.
    struct Relay {
        var outer: Endpoint
        var inner: Endpoint
        var client: Endpoint
        var outside: Endpoint?
    }

    var now = Instant.zero
    var relays: [Relay] = []
    var server: ServerRegistry
    let serverAddress = serverEndpoint
    var clients: [ClientID: ChatClient] = [:]
    var addresses: [ClientID: Endpoint] = [:]
    var clientTimers: [ClientID: [ClientTimer: Instant]] = [:]
    var serverTimers: [ServerTimer: Instant] = [:]
    var displayed: [ClientID: [ClientEvent]] = [:]
    var exits: [ClientID: ClientExit] = [:]
    var tableChanges = 0
    var datagramsSent = 0
    var datagramsLost = 0
    var impairment: Impairment
    var random: SplitMix64
    /// Pending events; the earliest (then the first scheduled) runs next.
    var queue: [(at: Instant, order: Int, event: Event)] = []
    private var order = 0

    init(seed: UInt64, impairment: Impairment, server: ServerConfig = ServerConfig()) {
        self.server = ServerRegistry(config: server)
        self.impairment = impairment
        self.random = SplitMix64.stream(seed: seed, label: "network")
    }

    mutating func addClient(
        id: ClientID, at address: Endpoint, advertisedPort: UInt16? = nil, rto: Duration = rto, refreshEvery: Duration? = nil, seed: UInt64
    ) {
        let config = ClientConfig(id: id, server: serverAddress, advertisedPort: advertisedPort ?? address.port, rto: rto, refreshEvery: refreshEvery)
        clients[id] = ChatClient(config: config, random: SplitMix64.stream(seed: seed, label: "client-\(id)"))
        addresses[id] = address
        displayed[id] = []
        clientTimers[id] = [:]
    }

    mutating func schedule(_ event: Event, at time: Instant) {
        order += 1
        queue.append((time, order, event))
    }

    mutating func start(_ id: ClientID) { runClient(id) { $0.start(now: $1) } }

    /// Processes the earliest event; false when nothing is left.
    mutating func step() -> Bool {
        guard let index = queue.indices.min(by: { (queue[$0].at, queue[$0].order) < (queue[$1].at, queue[$1].order) }) else { return false }
        let (at, _, event) = queue.remove(at: index)
        now = max(now, at)
        switch event {
        case .datagram(let bytes, let from, let to):
            if to == serverAddress {
                runServer(server.receive(bytes, from: from, now: now))
            } else if let index = relays.firstIndex(where: { $0.outer == to }) {
                relays[index].outside = from
                forward(bytes, from: relays[index].inner, to: relays[index].client)
            } else if let relay = relays.first(where: { $0.inner == to }), from == relay.client, let outside = relay.outside {
                forward(bytes, from: relay.outer, to: outside)
            } else if let id = addresses.first(where: { $0.value == to })?.key, exits[id] == nil {
                runClient(id) { $0.receive(bytes, from: from, now: $1) }
            }
        case .clientTimer(let id, let timer, let deadline):
            // Fire only if still armed with exactly this deadline (cancelled or re-armed timers are stale).
            guard clientTimers[id]?[timer] == deadline, exits[id] == nil else { break }
            clientTimers[id]?[timer] = nil
            runClient(id) { $0.timerFired(timer, now: $1) }
        case .serverTimer(let timer, let deadline):
            guard serverTimers[timer] == deadline else { break }
            serverTimers[timer] = nil
            runServer(server.timerFired(timer, now: now))
        case .user(let id, let command):
            guard exits[id] == nil else { break }
            runClient(id) { $0.handle(command, now: $1) }
        }
        return true
    }

    private mutating func runClient(_ id: ClientID, _ body: (inout ChatClient, Instant) -> [ClientEffect]) {
        guard var client = clients[id] else { return }
        let effects = body(&client, now)
        clients[id] = client
        for effect in effects {
            precondition(exits[id] == nil, "client \(id) produced \(effect) after closing")
            switch effect {
            case .send(let message, let to): transmit(message, from: addresses[id]!, to: to)
            case .armTimer(let timer, let at):
                precondition(at >= now, "timer armed in the past")
                clientTimers[id]![timer] = at
                schedule(.clientTimer(id, timer, at), at: at)
            case .cancelTimer(let timer): clientTimers[id]![timer] = nil
            case .display(let event): displayed[id]!.append(event)
            case .close(let exit): exits[id] = exit
            }
        }
    }

    private mutating func runServer(_ effects: [ServerEffect]) {
        for effect in effects {
            switch effect {
            case .send(let message, let to): transmit(message, from: serverAddress, to: to)
            case .tableChanged: tableChanges += 1
            case .armTimer(let timer, let at):
                serverTimers[timer] = at
                schedule(.serverTimer(timer, at), at: at)
            }
        }
    }

    private mutating func transmit(_ message: Message, from: Endpoint, to: Endpoint) {
        forward(message.bytes, from: from, to: to)
    }

    /// One datagram onto the (impaired) wire.
    private mutating func forward(_ bytes: [UInt8], from: Endpoint, to: Endpoint) {
        datagramsSent += 1
        if random.nextUnit() < impairment.loss {
            datagramsLost += 1
            return
        }
        let copies = random.nextUnit() < impairment.duplicate ? 2 : 1
        for _ in 0..<copies {
            let spread = impairment.maxDelay.nanoseconds - impairment.minDelay.nanoseconds
            let delay = impairment.minDelay.nanoseconds + (spread > 0 ? Int64(random.next() % UInt64(spread + 1)) : 0)
            schedule(.datagram(bytes, from: from, to: to), at: now + .nanoseconds(delay))
        }
    }

    /// Chat texts a client displayed as delivered, in order.
    func delivered(_ id: ClientID) -> [String] {
        displayed[id, default: []].compactMap { if case .delivered(_, _, let text) = $0 { text } else { nil } }
    }

    func didDisplay(_ id: ClientID, _ predicate: (ClientEvent) -> Bool) -> Bool { displayed[id, default: []].contains(where: predicate) }
}
