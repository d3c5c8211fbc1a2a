import HeapModule
import UDPChatCore
import UDPChatImpairment
import UDPChatScript
import UDPChatSupport
import UDPChatWire

/// A deterministic discrete-event simulation of a chat: the reference `ServerRegistry` and
/// `ChatClient` state machines on a virtual network with proxies, a virtual clock and seeded
/// impairments. Events are ordered by (time, sequence number), so a seed fixes everything.
public struct Simulator {
    /// Runs one simulation to completion (or to its timeout) and returns the trace and outputs.
    /// Each proxy runs the proxy's own `ImpairmentEngine`, seeded from the run's seed and its name.
    public static func run(_ setup: SimSetup) -> SimResult {
        var engine = SimEngine(setup: setup)
        return engine.run()
    }

    /// The seed of one proxy's impairment engine: independent per proxy (link) name, derived
    /// exactly as the live proxy derives a link's seed, so sim and live draw the same decisions.
    public static func proxySeed(_ seed: UInt64, proxy: String) -> UInt64 {
        var stream = SplitMix64.stream(seed: seed, label: "link/\(proxy)")
        return stream.next()
    }
}

struct SimEvent: Comparable {
    enum Kind {
        case datagram(bytes: [UInt8], from: Endpoint, to: Endpoint)
        case clientTimer(client: Int, timer: ClientTimer, generation: UInt64)
        case resume(party: Int)
        case proxyTimeout(proxy: Int)
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
    case proxyUpstream(Int)
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

struct ProxySlot {
    var name: String
    var listen: Endpoint
    var target: Endpoint
    var engine: ImpairmentEngine
    let ruleTexts: [String]
    /// Client source address per flow, and the upstream socket the proxy uses for it.
    var clients: [Endpoint] = []
    var upstreams: [Endpoint] = []
    var flowForClient: [Endpoint: UInt64] = [:]
    var flowForUpstream: [Endpoint: UInt64] = [:]
    var nextSerial: UInt64 = 0
    /// Trace index of each datagram still waiting for (more) decisions.
    var recordIndex: [UInt64: Int] = [:]
    var timeoutArmed: Instant?
}

struct SimEngine {
    let setup: SimSetup
    var now = Instant.zero
    var order: UInt64 = 0
    var heap = Heap<SimEvent>()
    var server = ServerRegistry()
    let serverEndpoint: Endpoint
    var clients: [ClientSlot] = []
    /// The parties' scripts: clients first (same index), then strangers.
    var script: ScriptInterpreter
    var strangerEndpoints: [Endpoint] = []
    var proxies: [ProxySlot] = []
    var nodes: [Endpoint: SimNode] = [:]
    var names: [Endpoint: String] = [:]
    var nextUpstreamPort: UInt16 = 50001
    var trace: [TraceRecord] = []
    var displays: [DisplayRecord] = []
    var ids: [String: ClientID] = [:]
    var reachable: [String: Endpoint] = [:]
    var lastConn: ConnToken?
    var events = 0

    init(setup: SimSetup) {
        self.setup = setup
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
            let engine = ImpairmentEngine(config: proxy.impairment, seed: Simulator.proxySeed(setup.seed, proxy: proxy.name), origin: .zero)
            proxies.append(ProxySlot(name: proxy.name, listen: listen, target: target, engine: engine, ruleTexts: engine.ruleTexts))
            nodes[listen] = .proxyListen(index)
            names[listen] = proxy.target
            reachable[proxy.target] = listen
        }
        let serverAddress = reachable[setup.serverName]!
        for client in setup.clients {
            let endpoint = partyEndpoint[client.name]!
            var config = ClientConfig(id: client.id, server: serverAddress, advertisedPort: reachable[client.name]!.port,
                                      rto: setup.rto, window: client.window)
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
                guard proxies[index].timeoutArmed == now else { continue }
                proxies[index].timeoutArmed = nil
                apply(proxies[index].engine.timeout(now: now), proxy: index)
                armTimeout(index)
            }
            if !script.crossWaiters.isEmpty {
                for party in script.crossWaiters.sorted() { advance(party) }
            }
            events += 1
            lastActivity = now
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
                         serverTable: server.table, ids: ids, endpoints: reachable, events: events)
    }

    // MARK: network

    mutating func send(_ bytes: [UInt8], from: Endpoint, to: Endpoint, at time: Instant? = nil) {
        schedule(.datagram(bytes: bytes, from: from, to: to), at: (time ?? now) + setup.latency)
    }

    mutating func deliver(_ bytes: [UInt8], from: Endpoint, to: Endpoint) {
        guard let node = nodes[to] else { return }
        switch node {
        case .server:
            let effects = server.receive(bytes, from: from, now: now)
            for effect in effects {
                switch effect {
                case .send(let message, let destination):
                    send(message.bytes, from: serverEndpoint, to: destination)
                case .tableChanged:
                    if setup.recordAllDisplays { display(tableLine(), party: setup.serverName) }
                case .armTimer:
                    break  // registration expiry is off in scenarios
                }
            }
        case .client(let index):
            guard clients[index].exit == nil else { return }
            apply(clients[index].machine.receive(bytes, from: from, now: now), client: index)
            advance(index)
        case .stranger:
            return
        case .proxyListen(let index):
            relay(bytes, proxy: index, from: from, up: true)
        case .proxyUpstream(let index):
            relay(bytes, proxy: index, from: from, up: false, upstream: to)
        }
    }

    mutating func relay(_ bytes: [UInt8], proxy index: Int, from: Endpoint, up: Bool, upstream: Endpoint? = nil) {
        let message = try? Message.parse(bytes)
        if let conn = message?.conn { lastConn = conn }
        let flow: UInt64
        let source: Endpoint
        let destination: Endpoint
        if up {
            if let existing = proxies[index].flowForClient[from] {
                flow = existing
            } else {
                flow = UInt64(proxies[index].clients.count)
                let socket = Endpoint(host: "127.0.0.1", port: nextUpstreamPort)
                nextUpstreamPort &+= 1
                proxies[index].clients.append(from)
                proxies[index].upstreams.append(socket)
                proxies[index].flowForClient[from] = flow
                proxies[index].flowForUpstream[socket] = flow
                nodes[socket] = .proxyUpstream(index)
            }
            source = from
            destination = proxies[index].target
        } else {
            guard let upstream, let existing = proxies[index].flowForUpstream[upstream] else { return }
            flow = existing
            source = from
            destination = proxies[index].clients[Int(flow)]
        }
        let direction: LinkDirection = up ? .up : .down
        let serial = proxies[index].nextSerial
        proxies[index].nextSerial += 1
        proxies[index].recordIndex[serial] = trace.count
        trace.append(TraceRecord(time: now, proxy: proxies[index].name, direction: direction, flow: flow, serial: serial,
                                 source: source, destination: destination, from: names[source] ?? "?",
                                 to: names[destination] ?? "?", size: bytes.count, message: message))
        let decisions = proxies[index].engine.process(Datagram(bytes: bytes, direction: direction, flow: flow), now: now)
        apply(decisions, proxy: index)
        armTimeout(index)
    }

    /// Runs the engine's decisions: records them and sends the copies.
    mutating func apply(_ decisions: [Decision], proxy index: Int) {
        for decision in decisions {
            switch decision {
            case .deliver(let delivery):
                if let record = proxies[index].recordIndex[delivery.serial] {
                    trace[record].addDelivery(at: delivery.at, notes: delivery.notes,
                                              rule: delivery.rule.map { proxies[index].ruleTexts[$0] })
                }
                let flow = Int(delivery.flow)
                if delivery.direction == .up {
                    send(delivery.bytes, from: proxies[index].upstreams[flow], to: proxies[index].target, at: delivery.at)
                } else {
                    send(delivery.bytes, from: proxies[index].listen, to: proxies[index].clients[flow], at: delivery.at)
                }
            case .drop(let drop):
                if let record = proxies[index].recordIndex[drop.serial] {
                    trace[record].drop(reason: drop.reason.rawValue, rule: drop.rule.map { proxies[index].ruleTexts[$0] })
                }
            }
        }
    }

    /// Schedules the engine's next timeout (a datagram held back by reorder).
    mutating func armTimeout(_ index: Int) {
        guard let next = proxies[index].engine.nextTimeout, proxies[index].timeoutArmed != next else { return }
        proxies[index].timeoutArmed = next
        schedule(.proxyTimeout(proxy: index), at: max(next, now))
    }

    func tableLine() -> String {
        let rows = server.table
        if rows.isEmpty { return "table: (empty)" }
        return "table: " + rows.map { "\($0.id)@\($0.reachable)" }.joined(separator: ", ")
    }
}
