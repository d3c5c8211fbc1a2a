// Which traffic a scenario's proxies can see. A proxy sits in front of one party: what is sent to
// that party crosses it, and that party's answers come back through it. Between a client and the
// server, datagrams cross only a proxy in front of the server (the server answers a client's
// source address, never its advertised one); between clients, only a proxy in front of one of
// them. A check or a rule about traffic no proxy sees can never be judged: `scenario validate`
// and `scenario run` warn, and a failed check that saw nothing names the proxies that saw nothing.
import UDPChatDialect
import UDPChatImpairment
import UDPChatWire

extension Scenario {
    /// One warning per check and rule that concerns traffic no proxy of the scenario can see.
    public var unseenTraffic: [String] {
        let dialect = (try? LiveRunner.loadManifests(for: self)).flatMap { try? LiveRunner.dialect(of: $0) } ?? .default
        var lines: [String] = []
        for expectation in expectations {
            for filter in Self.traced(expectation.kind) {
                guard let why = unseen(filter, dialect: dialect) else { continue }
                lines.append("check on line \(expectation.line) (\(Self.checkName(expectation.kind))): no proxy can see \(filter): \(why)")
                break
            }
        }
        for proxy in proxies {
            for text in proxy.rules {
                guard let rule = try? Rule.parse(RTOUnits.resolve(text, rto: rto)), let verbs = rule.verbs, !verbs.isEmpty,
                      let why = unseen(verbs: verbs, by: proxy, dialect: dialect) else { continue }
                lines.append("proxy \(proxy.name): rule '\(text)' never sees its datagrams: \(why)")
            }
        }
        return lines
    }

    /// Why no proxy can see datagrams that `filter` selects; nil when one may.
    func unseen(_ filter: WireFilter, dialect: Dialect) -> String? {
        let watching = filter.proxy.map { name in proxies.filter { $0.name == name } } ?? proxies
        if watching.isEmpty { return filter.proxy == nil ? "the scenario has no proxy, so nothing is traced" : nil }
        let inFront = Set(watching.map(\.target))
        let parties = [filter.from, filter.to].compactMap { $0 }
        let withServer = filter.verb?.isClientServer == true || parties.contains(serverName)
        if withServer {
            if inFront.contains(serverName) { return nil }
            return "it travels between a client and the server, and no proxy is in front of the server\(Self.list(watching))"
        }
        guard dialect.chatIsDirect else { return nil }  // a dialect may relay chat through the server
        let clientProxies = inFront.subtracting([serverName])
        if filter.verb == nil, inFront.contains(serverName) { return nil }  // it may be client-server traffic
        // Both ends named: one of them needs a proxy; else the unnamed end may be any proxied client.
        let bothNamed = filter.from != nil && filter.to != nil
        if bothNamed ? parties.contains(where: { inFront.contains($0) }) : !clientProxies.isEmpty { return nil }
        let who = bothNamed ? parties.joined(separator: " or ") : "any client"
        return "it travels between clients, and no proxy is in front of \(who)\(Self.list(watching))"
    }

    /// Why a rule on `proxy` about `verbs` never sees a datagram; nil when it may.
    func unseen(verbs: Set<Verb>, by proxy: ScenarioProxy, dialect: Dialect) -> String? {
        let names = verbs.map(\.rawValue).sorted().joined(separator: ", ")
        if proxy.target == serverName {
            guard dialect.chatIsDirect, verbs.allSatisfy({ !$0.isClientServer }) else { return nil }
            return "\(names) travel between clients, never through the server's proxy"
        }
        guard verbs.allSatisfy(\.isClientServer) else { return nil }
        return "\(names) travel between a client and the server, never through a proxy in front of a client"
    }

    /// The trace selections a check reads.
    static func traced(_ kind: ExpectationKind) -> [WireFilter] {
        switch kind {
        case .resent(let filter), .wire(let filter): [filter]
        case .dedup(let at, let from, let seq): [WireFilter(verb: .msg, from: from, to: at, seq: seq)]
        case .terminated(let by, let peer): [WireFilter(verb: .terminate, from: by, to: peer)]
        case .left(let party): [WireFilter(verb: .leave, from: party)]
        case .delivered, .displayed, .stuck: []
        }
    }

    static func checkName(_ kind: ExpectationKind) -> String {
        switch kind {
        case .resent: "resent"
        case .wire: "wire"
        case .dedup: "dedup"
        case .terminated: "terminated"
        case .left: "left"
        case .delivered: "delivered"
        case .displayed: "displayed"
        case .stuck: "stuck"
        }
    }

    static func list(_ proxies: [ScenarioProxy]) -> String {
        " (proxies: " + proxies.map { "\($0.name), in front of \($0.target)" }.joined(separator: "; ") + ")"
    }

    /// The observation of a check that saw no datagram: which proxies saw nothing, and why none could.
    public func neverSeen(_ filter: WireFilter) -> String {
        let dialect = (try? LiveRunner.loadManifests(for: self)).flatMap { try? LiveRunner.dialect(of: $0) } ?? .default
        let names = (filter.proxy.map { [$0] } ?? proxies.map(\.name)).joined(separator: ", ")
        var text = names.isEmpty ? "never seen (no proxy)" : "never seen by proxy \(names)"
        if let why = unseen(filter, dialect: dialect) { text += ": \(why)" }
        return text
    }
}
