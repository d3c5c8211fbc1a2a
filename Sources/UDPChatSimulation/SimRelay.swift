import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport
import UDPChatWire

/// One proxy of the simulation: the same `RelayCore` the live proxy runs, driven on the virtual
/// network. Its "upstream socket" per flow is an endpoint the simulator allocates.
struct ProxySlot {
    var name: String
    var listen: Endpoint
    var target: Endpoint
    var core: RelayCore<Endpoint>
    /// Each open flow's upstream socket.
    var upstreams: [UInt64: Endpoint] = [:]
    /// Trace index of each datagram still waiting for (more) decisions.
    var recordIndex: [UInt64: Int] = [:]
    /// The effects buffer, reused across events.
    var effects: [RelayEffect<Endpoint>] = []
}

extension SimEngine {
    /// A datagram reached proxy `index`: from a client on its listening address (`upstreamFlow`
    /// nil), or from its target on a flow's upstream socket.
    mutating func relay(_ bytes: [UInt8], proxy index: Int, from: Endpoint, upstreamFlow: UInt64?) {
        let message = try? Message.parse(bytes)
        if let conn = message?.conn { lastConn = conn }
        let serial = proxies[index].core.nextSerial
        var effects = proxies[index].effects
        proxies[index].effects = []
        effects.removeAll(keepingCapacity: true)
        if let upstreamFlow {
            proxies[index].core.upstreamDatagram(bytes, size: bytes.count, flow: upstreamFlow, now: now, into: &effects)
        } else {
            proxies[index].core.clientDatagram(bytes, size: bytes.count, from: from, now: now, into: &effects)
        }
        let flow = proxies[index].core.lastFlow
        if flow != 0, proxies[index].core.nextSerial != serial {
            let up = upstreamFlow == nil
            let destination = up ? proxies[index].target : (proxies[index].core.client(ofFlow: flow) ?? from)
            proxies[index].recordIndex[serial] = trace.count
            trace.append(TraceRecord(time: now, proxy: proxies[index].name, direction: up ? .up : .down, flow: flow, serial: serial,
                                     source: from, destination: destination, from: names[from] ?? "?",
                                     to: names[destination] ?? "?", size: bytes.count, message: message))
        }
        run(effects, proxy: index, arrived: bytes, message: message)
        proxies[index].effects = effects
    }

    /// Proxy `index`'s timer fired.
    mutating func proxyTimer(_ index: Int) -> Bool {
        guard let armed = proxies[index].core.armedTimer, armed <= now else { return false }
        var effects = proxies[index].effects
        proxies[index].effects = []
        effects.removeAll(keepingCapacity: true)
        proxies[index].core.timerFired(now: now, into: &effects)
        run(effects, proxy: index, arrived: [], message: nil)
        proxies[index].effects = effects
        return true
    }

    /// Carries out a relay core's effects on the virtual network.
    mutating func run(_ effects: [RelayEffect<Endpoint>], proxy index: Int, arrived: [UInt8], message: Message?) {
        var opened: [UInt64] = []
        for effect in effects {
            switch effect {
            case .openUpstream(let flow):
                let socket = Endpoint(host: "127.0.0.1", port: nextUpstreamPort)
                nextUpstreamPort &+= 1
                proxies[index].upstreams[flow] = socket
                nodes[socket] = .proxyUpstream(index, flow: flow)
                opened.append(flow)
            case .closeUpstream(let flow):
                if let socket = proxies[index].upstreams.removeValue(forKey: flow) { nodes[socket] = nil }
            case .sendUp(let flow, let payload):
                guard let socket = proxies[index].upstreams[flow] else { continue }
                send(Self.bytes(payload, arrived), from: socket, to: proxies[index].target)
            case .sendDown(_, let client, let payload):
                send(Self.bytes(payload, arrived), from: proxies[index].listen, to: client)
            case .armTimer(let at):
                schedule(.proxyTimeout(proxy: index), at: max(at, now))
            case .trace(let event):
                guard let record = proxies[index].recordIndex[event.decision.serial] else { continue }
                trace[record].apply(event)
            case .flowLimited(let client, let size):
                var record = TraceRecord(time: now, proxy: proxies[index].name, direction: .up, flow: 0, serial: .max, source: client,
                                         destination: proxies[index].target, from: names[client] ?? "?",
                                         to: names[proxies[index].target] ?? "?", size: size, message: message)
                record.drop(reason: "flow-limit", rule: nil)
                trace.append(record)
            case .control:
                // The observation's trace holds datagrams (the live runner skips the proxy's control
                // lines the same way); the change itself is already in force in the core.
                continue
            }
        }
        // The simulator's sockets open at once.
        for flow in opened { proxies[index].core.upstreamOpened(flow: flow) }
    }

    static func bytes(_ payload: RelayPayload, _ arrived: [UInt8]) -> [UInt8] {
        switch payload {
        case .arrived: arrived
        case .bytes(let bytes): bytes
        }
    }
}
