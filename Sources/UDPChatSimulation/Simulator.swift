import HeapModule
import UDPChatCore
import UDPChatImpairment
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

/// A party that runs a script: clients first (same index), then strangers.
struct ScriptState {
    var name: String
    var steps: [ScriptStep]
    var pc = 0
    var cursor = 0
    /// Lines already searched by the current wait step.
    var scanned = 0
    var sleeping = false
    var lines: [String] = []

    var done: Bool { pc >= steps.count }
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
    var scripts: [ScriptState] = []
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
    /// Scripts blocked on another party's line: re-checked after every event.
    var crossWaiters: Set<Int> = []

    init(setup: SimSetup) {
        self.setup = setup
        self.server = ServerRegistry(config: ServerConfig(expireAfter: setup.serverExpiry))
        let host = "127.0.0.1"
        serverEndpoint = Endpoint(host: host, port: 7070)
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
            scripts.append(ScriptState(name: client.name, steps: client.script))
        }
        for stranger in setup.strangers {
            scripts.append(ScriptState(name: stranger.name, steps: stranger.script))
        }
    }

    mutating func schedule(_ kind: SimEvent.Kind, at time: Instant) {
        order &+= 1
        heap.insert(SimEvent(time: time, order: order, kind: kind))
    }

    mutating func run() -> SimResult {
        for index in clients.indices {
            apply(clients[index].machine.start(now: now), client: index)
        }
        for index in scripts.indices { advance(index) }
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
                scripts[party].sleeping = false
                scripts[party].pc += 1
                advance(party)
            case .proxyTimeout(let index):
                guard proxyTimer(index) else { continue }
                timer = true
            case .serverTimer(let serverTimer):
                serve(server.timerFired(serverTimer, now: now))
                timer = true
            }
            if !crossWaiters.isEmpty {
                for party in crossWaiters.sorted() { advance(party) }
            }
            events += 1
            if !timer || sends != sent { lastActivity = now }
            if !drained, scripts.allSatisfy(\.done) {
                if clients.allSatisfy({ $0.exit != nil }) {
                    // Nobody can start anything new: drain what is in flight (delayed copies, answers).
                    settleDeadline = nil
                    drained = true
                } else if settleDeadline == nil {
                    settleDeadline = now + setup.settle
                }
            }
        }
        var stuck: [String: String] = [:]
        for script in scripts where !script.done {
            stuck[script.name] = "step \(script.pc + 1): \(script.steps[script.pc])"
        }
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

    // MARK: parties

    mutating func display(_ line: String, party: String) {
        displays.append(DisplayRecord(time: now, party: party, line: line))
    }

    mutating func apply(_ effects: [ClientEffect], client index: Int) {
        for effect in effects {
            switch effect {
            case .send(let message, let destination):
                send(message.bytes, from: clients[index].endpoint, to: destination)
            case .armTimer(let timer, let deadline):
                clients[index].generation &+= 1
                let generation = clients[index].generation
                clients[index].timers[timer] = generation
                schedule(.clientTimer(client: index, timer: timer, generation: generation), at: deadline)
            case .cancelTimer(let timer):
                clients[index].timers[timer] = nil
            case .display(let event):
                let line = event.description
                scripts[index].lines.append(line)
                if setup.recordAllDisplays || Self.essential(event) { display(line, party: clients[index].name) }
            case .close(let exit):
                clients[index].exit = exit
                clients[index].closedAt = now
                clients[index].timers.removeAll()
                let line = SimLines.closed(exit)
                scripts[index].lines.append(line)
                display(line, party: clients[index].name)
                return
            }
        }
    }

    static func essential(_ event: ClientEvent) -> Bool {
        switch event {
        case .delivered, .terminated, .left, .notDelivered: true
        default: false
        }
    }

    /// Runs a party's script until it blocks on a wait, a sleep, or its end.
    mutating func advance(_ party: Int) {
        while !scripts[party].done, !scripts[party].sleeping {
            let step = scripts[party].steps[scripts[party].pc]
            let isClient = party < clients.count
            switch step {
            case .command(let command):
                guard isClient else { scripts[party].pc += 1; continue }
                guard clients[party].exit == nil else { return }
                scripts[party].pc += 1
                apply(clients[party].machine.handle(command, now: now), client: party)
            case .waitFor(let text):
                // Only lines not yet searched for this step are looked at (no quadratic rescans).
                let lines = scripts[party].lines
                var index = max(scripts[party].cursor, scripts[party].scanned)
                var found: Int?
                while index < lines.count {
                    if lines[index].containsBytes(text) { found = index; break }
                    index += 1
                }
                guard let found else {
                    scripts[party].scanned = lines.count
                    return
                }
                scripts[party].cursor = found + 1
                scripts[party].scanned = 0
                scripts[party].pc += 1
            case .waitForParty(let other, let text):
                guard let target = scripts.firstIndex(where: { $0.name == other }) else { return }
                let lines = scripts[target].lines
                var index = scripts[party].scanned
                var found = false
                while index < lines.count {
                    if lines[index].containsBytes(text) { found = true; break }
                    index += 1
                }
                guard found else {
                    scripts[party].scanned = lines.count
                    crossWaiters.insert(party)
                    return
                }
                crossWaiters.remove(party)
                scripts[party].scanned = 0
                scripts[party].pc += 1
            case .sleep(let duration):
                scripts[party].sleeping = true
                schedule(.resume(party: party), at: now + duration)
            case .sendRaw(let text, let target):
                scripts[party].pc += 1
                let from = isClient ? clients[party].endpoint : strangerEndpoints[party - clients.count]
                if let destination = reachable[target] {
                    send(Array(Placeholders.expand(text, ids: ids, conn: lastConn).utf8), from: from, to: destination)
                }
            }
        }
    }
}

/// Fills `{conn}` and `{NAME}` placeholders in a raw datagram.
public enum Placeholders {
    public static func expand(_ text: String, ids: [String: ClientID], conn: ConnToken?) -> String {
        guard text.containsBytes("{") else { return text }
        var out = text.replacing("{conn}", with: conn.map(String.init) ?? "1")
        for (name, id) in ids { out = out.replacing("{\(name)}", with: String(id)) }
        return out
    }
}

/// Synthetic console lines shared by the simulator and the live runner.
public enum SimLines {
    /// The line recorded when a client closes its socket.
    public static func closed(_ exit: ClientExit) -> String {
        switch exit {
        case .left: "(socket closed: left)"
        case .refused(let code): "(socket closed: refused \(code.rawValue))"
        case .forced: "(socket closed: forced)"
        }
    }
}

extension String {
    /// Substring test on UTF-8 bytes (the stdlib's `contains` builds a searcher per call, which
    /// dominated the swarm's profile).
    @inlinable
    public func containsBytes(_ needle: String) -> Bool {
        let result = utf8.withContiguousStorageIfAvailable { hay in
            needle.utf8.withContiguousStorageIfAvailable { pattern -> Bool in
                let n = pattern.count
                if n == 0 { return true }
                if n > hay.count { return false }
                let first = pattern[0]
                var i = 0
                let last = hay.count - n
                while i <= last {
                    if hay[i] == first {
                        var j = 1
                        while j < n, hay[i + j] == pattern[j] { j += 1 }
                        if j == n { return true }
                    }
                    i += 1
                }
                return false
            }
        }
        if let found = result ?? nil { return found }
        return contains(needle)
    }
}
