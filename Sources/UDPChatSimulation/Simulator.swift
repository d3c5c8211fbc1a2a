import HeapModule
import UDPChatCore
import UDPChatImpairment
import UDPChatScript
import UDPChatRelay
import UDPChatSupport
import UDPChatWire

/// A deterministic discrete-event simulation of a chat: the reference `ServerRegistry` and
/// `ChatClient` state machines on a virtual network with proxies, a virtual clock and seeded
/// impairments. Events are ordered by (time, sequence number), so a seed fixes everything.
public struct Simulator {
    /// Runs one simulation to completion (or to its timeout) and returns the trace and outputs.
    /// Each proxy runs the live proxy's own relay core (`UDPChatRelay.RelayCore`): the same flow
    /// table, impairment engine (seeded from the run's seed and its name), delay queue and counters.
    public static func run(_ setup: SimSetup) -> SimResult {
        var engine = SimEngine(setup: setup)
        return engine.run()
    }

}

struct SimEvent: Comparable {
    enum Kind {
        case datagram(bytes: [UInt8], from: Endpoint, to: Endpoint)
        case clientTimer(client: Int, timer: ClientTimer, generation: UInt64)
        case resume(party: Int)
        case proxyTimeout(proxy: Int)
        case serverTimer(ServerTimer)
    }

    var time: Instant
    var order: UInt64
    var kind: Kind

    static func < (lhs: SimEvent, rhs: SimEvent) -> Bool {
        lhs.time == rhs.time ? lhs.order < rhs.order : lhs.time < rhs.time
    }

    static func == (lhs: SimEvent, rhs: SimEvent) -> Bool { lhs.time == rhs.time && lhs.order == rhs.order }
}

enum SimNode {
    case server
    case client(Int)
    case stranger(Int)
    case proxyListen(Int)
    case proxyUpstream(Int, flow: UInt64)
}

struct ClientSlot {
    var name: String
    var machine: ChatClient
    var endpoint: Endpoint
    var timers: [ClientTimer: UInt64] = [:]
    var generation: UInt64 = 0
    var exit: ClientExit?
    var closedAt: Instant?
}

struct SimEngine {
    let setup: SimSetup
    var now = Instant.zero
    var order: UInt64 = 0
    var heap = Heap<SimEvent>()
    var server: ServerRegistry
    let serverEndpoint: Endpoint
    var clients: [ClientSlot] = []
    /// The parties' scripts: clients first (same index), then strangers.
    var script: ScriptInterpreter
    var strangerEndpoints: [Endpoint] = []
    var proxies: [ProxySlot] = []
    var nodes: [Endpoint: SimNode] = [:]
    var names: [Endpoint: String] = [:]
    var nextUpstreamPort: UInt16 = 50001
    /// Datagrams sent so far (a timer that sent nothing is not activity).
    var sends = 0
    /// When each client id last left the server's table.
    var registrationEnded: [ClientID: Instant] = [:]
    var registered: Set<ClientID> = []
    var trace: [TraceRecord] = []
    var displays: [DisplayRecord] = []
    var ids: [String: ClientID] = [:]
    var reachable: [String: Endpoint] = [:]
    var lastConn: ConnToken?
    var events = 0

    init(setup: SimSetup) {
        self.setup = setup
        self.server = ServerRegistry(config: ServerConfig(expireAfter: setup.serverExpiry))
        let host = "127.0.0.1"
        serverEndpoint = Endpoint(host: host, port: ProtocolDefaults.port)
        nodes[serverEndpoint] = .server
        names[serverEndpoint] = setup.serverName
        reachable[setup.serverName] = serverEndpoint
        var partyEndpoint: [String: Endpoint] = [setup.serverName: serverEndpoint]
        for (index, client) in setup.clients.enumerated() {
            let endpoint = Endpoint(host: host, port: UInt16(40001 + index))
            partyEndpoint[client.name] = endpoint
            nodes[endpoint] = .client(index)
            names[endpoint] = client.name
            ids[client.name] = client.id
            reachable[client.name] = endpoint
        }
        for (index, stranger) in setup.strangers.enumerated() {
            let endpoint = Endpoint(host: host, port: UInt16(45001 + index))
            strangerEndpoints.append(endpoint)
            nodes[endpoint] = .stranger(index)
            names[endpoint] = stranger.name
        }
        for (index, proxy) in setup.proxies.enumerated() {
            let listen = Endpoint(host: host, port: UInt16(30001 + index))
            let target = partyEndpoint[proxy.target] ?? serverEndpoint
            let core = RelayCore<Endpoint>(configuration: RelayConfiguration(
                name: proxy.name, listen: listen, target: target, impairments: proxy.impairment, seed: setup.seed,
                flowIdle: proxy.flowIdle, maxFlows: proxy.maxFlows, tracing: true))
            proxies.append(ProxySlot(name: proxy.name, listen: listen, target: target, core: core))
            nodes[listen] = .proxyListen(index)
            names[listen] = proxy.target
            reachable[proxy.target] = listen
        }
        let serverAddress = reachable[setup.serverName]!
        for client in setup.clients {
            let endpoint = partyEndpoint[client.name]!
            var config = ClientConfig(id: client.id, server: serverAddress, advertisedPort: reachable[client.name]!.port,
                                      rto: setup.rto, window: client.window, refreshEvery: client.refreshEvery)
            if let rememberFor = client.rememberFor { config.rememberFor = rememberFor }
            let random = SplitMix64.stream(seed: setup.seed, label: "client/\(client.name)")
            clients.append(ClientSlot(name: client.name, machine: ChatClient(config: config, random: random), endpoint: endpoint))
        }
        script = ScriptInterpreter(
            parties: setup.clients.map { ScriptInterpreter.Party(name: $0.name, steps: $0.script, isClient: true) }
                + setup.strangers.map { ScriptInterpreter.Party(name: $0.name, steps: $0.script, isClient: false) },
            rto: setup.rto)
    }

    mutating func schedule(_ kind: SimEvent.Kind, at time: Instant) {
        order &+= 1
        heap.insert(SimEvent(time: time, order: order, kind: kind))
    }

    mutating func run() -> SimResult {
        for index in clients.indices {
            apply(clients[index].machine.start(now: now), client: index)
        }
        for index in script.parties.indices { advance(index) }
        let timeout = Instant.zero + setup.timeout
        var settleDeadline: Instant?
        var drained = false
        var lastActivity = Instant.zero
        while let event = heap.popMin() {
            if event.time > timeout { break }
            if let settleDeadline, event.time > settleDeadline { break }
            now = event.time
            let sent = sends
            var timer = false
            switch event.kind {
            case .datagram(let bytes, let from, let to):
                deliver(bytes, from: from, to: to)
            case .clientTimer(let index, let timer, let generation):
                guard clients[index].exit == nil, clients[index].timers[timer] == generation else { continue }
                clients[index].timers[timer] = nil
                apply(clients[index].machine.timerFired(timer, now: now), client: index)
                advance(index)
            case .resume(let party):
                script.wake(party)
                advance(party)
            case .proxyTimeout(let index):
                guard proxyTimer(index) else { continue }
                timer = true
            case .serverTimer(let serverTimer):
                serve(server.timerFired(serverTimer, now: now))
                timer = true
            }
            if !script.crossWaiters.isEmpty {
                for party in script.crossWaiters.sorted() { advance(party) }
            }
            events += 1
            if !timer || sends != sent { lastActivity = now }
            if !drained, script.allDone {
                if clients.allSatisfy({ $0.exit != nil }) {
                    // Nobody can start anything new: drain what is in flight (delayed copies, answers).
                    settleDeadline = nil
                    drained = true
                } else if settleDeadline == nil {
                    settleDeadline = now + setup.settle
                }
            }
        }
        let stuck = script.stuck
        let outcomes = clients.map {
            ClientOutcome(name: $0.name, phase: $0.machine.phase, exit: $0.exit, closedAt: $0.closedAt, stats: $0.machine.stats)
        }
        return SimResult(seed: setup.seed, trace: trace, displays: displays, clients: outcomes, stuck: stuck, endTime: lastActivity,
                         serverTable: server.table, ids: ids, endpoints: reachable, events: events, registrationEnded: registrationEnded,
                         proxyStats: proxies.map(\.core.stats))
    }

    // MARK: network

    mutating func send(_ bytes: [UInt8], from: Endpoint, to: Endpoint, at time: Instant? = nil) {
        sends += 1
        schedule(.datagram(bytes: bytes, from: from, to: to), at: (time ?? now) + setup.latency)
    }

    mutating func deliver(_ bytes: [UInt8], from: Endpoint, to: Endpoint) {
        guard let node = nodes[to] else { return }
        switch node {
        case .server:
            serve(server.receive(bytes, from: from, now: now))
        case .client(let index):
            guard clients[index].exit == nil else { return }
            apply(clients[index].machine.receive(bytes, from: from, now: now), client: index)
            advance(index)
        case .stranger:
            return
        case .proxyListen(let index):
            relay(bytes, proxy: index, from: from, upstreamFlow: nil)
        case .proxyUpstream(let index, let flow):
            relay(bytes, proxy: index, from: from, upstreamFlow: flow)
        }
    }

    /// Carries out the server's effects (registration expiry included).
    mutating func serve(_ effects: [ServerEffect]) {
        for effect in effects {
            switch effect {
            case .send(let message, let destination):
                send(message.bytes, from: serverEndpoint, to: destination)
            case .tableChanged:
                let table = server.table
                let now = Set(table.map(\.id))
                for id in registered.subtracting(now) { registrationEnded[id] = self.now }
                registered = now
                if setup.recordAllDisplays { display(tableLine(table), party: setup.serverName) }
            case .armTimer(let timer, let deadline):
                schedule(.serverTimer(timer), at: max(deadline, self.now))
            }
        }
    }

    func tableLine(_ rows: [TableRow]) -> String {
        if rows.isEmpty { return "table: (empty)" }
        return "table: " + rows.map { "\($0.id)@\($0.reachable)" }.joined(separator: ", ")
    }
}
