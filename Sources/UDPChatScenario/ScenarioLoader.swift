import UDPChatImpairment
import UDPChatScript
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire
import Yams

/// Reads scenario files: YAML syntax (Yams), then the JSON Schema, then cross-references
/// (party names, rules, durations). Every problem carries file:line:column.
public enum ScenarioLoader {
    /// Parses and checks one scenario given as text. Throws the list of problems.
    public static func load(yaml text: String, path: String) throws(ScenarioIssues) -> Scenario {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioIssues([ScenarioIssue(file: path, line: 1, column: 1, message: "empty file")])
            }
            root = node
        } catch let error as ScenarioIssues {
            throw error
        } catch let error as YamlError {
            throw ScenarioIssues([yamlIssue(error, path: path)])
        } catch {
            throw ScenarioIssues([ScenarioIssue(file: path, line: 1, column: 1, message: "\(error)")])
        }
        let schemaIssues = SchemaValidator(schemaJSON: ScenarioSchema.json, file: path).validate(root)
        if !schemaIssues.isEmpty { throw ScenarioIssues(schemaIssues) }
        var decoder = ScenarioDecoder(path: path)
        let scenario = decoder.decode(root)
        if !decoder.issues.isEmpty { throw ScenarioIssues(decoder.issues) }
        return scenario
    }

    static func yamlIssue(_ error: YamlError, path: String) -> ScenarioIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return ScenarioIssue(file: path, line: mark.line, column: mark.column, message: "YAML: \(prefix)\(problem)")
        default:
            return ScenarioIssue(file: path, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    /// Parses `10s`, `500ms`, `1.5rto` or plain seconds.
    static func duration(_ text: String) -> ScenarioDuration? {
        if text.hasSuffix("rto") {
            guard let factor = Double(text.dropLast(3)), factor >= 0 else { return nil }
            return .rto(factor)
        }
        return (try? DurationParser.parse(text)).map { .absolute($0) }
    }

    /// `30%` or `0.3`.
    static func probability(_ text: String) -> Double? {
        if text.hasSuffix("%") { return Double(text.dropLast()).map { $0 / 100 } }
        return Double(text)
    }
}

/// Several problems in one file.
public struct ScenarioIssues: Error, Sendable, CustomStringConvertible {
    public var issues: [ScenarioIssue]
    public init(_ issues: [ScenarioIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Turns a schema-valid node tree into a `Scenario`, checking what the schema cannot.
struct ScenarioDecoder {
    let path: String
    var issues: [ScenarioIssue] = []

    init(path: String) { self.path = path }

    mutating func fail(_ node: Node?, _ message: String) {
        issues.append(ScenarioIssue(file: path, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message))
    }

    mutating func duration(_ node: Node?) -> ScenarioDuration? {
        guard let node, let text = node.string else { return nil }
        guard let value = ScenarioLoader.duration(text) else {
            fail(node, "'\(text)' is not a duration (10s, 500ms, 1.5rto, or seconds)")
            return nil
        }
        return value
    }

    mutating func decode(_ root: Node) -> Scenario {
        let name = root["name"]?.string ?? path
        var rto = ProtocolDefaults.rto
        if let node = root["rto"], let value = duration(node) {
            if case .absolute(let absolute) = value, absolute > .zero { rto = absolute } else { fail(node, "rto must be a positive absolute duration such as 10s") }
        }
        var latency = Duration.microseconds(500)
        if let node = root["latency"], let value = duration(node) { latency = value.resolved(rto: rto) }
        var modes = Set(ScenarioMode.allCases)
        if let list = root["modes"]?.sequence { modes = Set(list.compactMap { $0.string.flatMap(ScenarioMode.init(rawValue:)) }) }
        let serverName = root["server"]?["name"]?.string ?? "server"
        let serverManifest = root["server"]?["manifest"]?.string
        var seenNames: Set<String> = [serverName]
        let clients = decodeClients(Array(root["clients"]?.sequence ?? []), rto: rto, names: &seenNames)
        let strangers = decodeStrangers(Array(root["strangers"]?.sequence ?? []), names: &seenNames)
        checkScripts(root, clients: clients, strangers: strangers, parties: seenNames)
        let (proxies, proxyNames) = decodeProxies(Array(root["proxies"]?.sequence ?? []), rto: rto, clientNames: Set(clients.map(\.name)), serverName: serverName)
        let expectations = (root["expect"]?.sequence ?? []).compactMap { expectation($0, parties: seenNames, proxies: proxyNames) }
        let seed = UInt64(root["seed"]?.int ?? 1)
        let timeout = root["timeout"].flatMap { duration($0) }
        return Scenario(path: path, name: name, description: root["description"]?.string ?? "", rto: rto, seed: seed,
                        timeout: timeout, latency: latency, modes: modes, serverName: serverName, serverManifest: serverManifest,
                        clients: clients, strangers: strangers, proxies: proxies, expectations: expectations)
    }

    /// `clients:`: each with a name and an id used once, its window, manifest, refresh and script.
    mutating func decodeClients(_ nodes: [Node], rto: Duration, names: inout Set<String>) -> [ScenarioClient] {
        var clients: [ScenarioClient] = []
        var seenIDs: Set<ClientID> = []
        for node in nodes {
            let clientName = node["name"]?.string ?? "?"
            if !names.insert(clientName).inserted { fail(node["name"], "party name '\(clientName)' is used twice") }
            let id = ClientID(node["id"]?.int ?? 1)
            if !seenIDs.insert(id).inserted { fail(node["id"], "client id \(id) is used twice") }
            let script = steps(node["script"])
            var client = ScenarioClient(name: clientName, id: id, window: node["window"]?.int ?? ProtocolDefaults.window,
                                        manifest: node["manifest"]?.string, script: script)
            if let refresh = node["refresh"] {
                if refresh.string == "off" {
                    client.refresh = nil
                } else if let value = duration(refresh) {
                    if value.resolved(rto: rto) > .zero { client.refresh = value } else { fail(refresh, "refresh must be greater than zero (or off)") }
                }
            }
            clients.append(client)
        }
        return clients
    }

    /// `strangers:`: each with a name used once and its script.
    mutating func decodeStrangers(_ nodes: [Node], names: inout Set<String>) -> [ScenarioStranger] {
        nodes.map { node in
            let strangerName = node["name"]?.string ?? "?"
            if !names.insert(strangerName).inserted { fail(node["name"], "party name '\(strangerName)' is used twice") }
            return ScenarioStranger(name: strangerName, script: steps(node["script"]))
        }
    }

    /// What each script names must exist: a client connects to a client and waits for another one; a
    /// stranger sends raw datagrams to a party and waits for a client's line, and does nothing else.
    mutating func checkScripts(_ root: Node, clients: [ScenarioClient], strangers: [ScenarioStranger], parties: Set<String>) {
        let clientNames = Set(clients.map(\.name))
        for (node, client) in zip(root["clients"]?.sequence ?? [], clients) {
            for (stepNode, step) in zip(node["script"]?.sequence ?? [], client.script) {
                switch step {
                case .command(.connect(let target)) where !clientNames.contains(target) && ClientID(target) == nil:
                    fail(stepNode, "connect: '\(target)' is not a client of this scenario (\(clientNames.sorted().joined(separator: ", ")))")
                case .raw:
                    fail(stepNode, "raw datagrams are for strangers; clients send with 'send'")
                case .waitForParty(let party, _) where !clientNames.contains(party) || party == client.name:
                    fail(stepNode, "wait-for: party '\(party)' is not another client of this scenario")
                default: break
                }
            }
        }
        for (node, stranger) in zip(root["strangers"]?.sequence ?? [], strangers) {
            for (stepNode, step) in zip(node["script"]?.sequence ?? [], stranger.script) {
                switch step {
                case .raw(let to, _) where !parties.contains(to):
                    fail(stepNode, "raw: unknown party '\(to)'")
                case .command, .waitFor:
                    fail(stepNode, "a stranger only sleeps, waits for a client's line and sends raw datagrams")
                case .waitForParty(let party, _) where !clientNames.contains(party):
                    fail(stepNode, "wait-for: party '\(party)' is not a client of this scenario")
                default: break
                }
            }
        }
    }

    mutating func steps(_ node: Node?) -> [ScriptStep] {
        var result: [ScriptStep] = []
        for step in node?.sequence ?? [] {
            if let word = step.scalar?.string {
                switch word {
                case "accept": result.append(.command(.accept))
                case "reject": result.append(.command(.reject))
                case "end": result.append(.command(.end))
                case "quit": result.append(.command(.quit))
                case "cancel": result.append(.command(.cancel))
                default: fail(step, "unknown step '\(word)'")
                }
                continue
            }
            guard let (key, value) = step.mapping?.first, let name = key.string else { continue }
            switch name {
            case "connect": result.append(.command(.connect(value.string ?? "")))
            case "send":
                if let text = value.scalar?.string {
                    if let problem = Message.validateText(text) { fail(value, "send: \(problem)") }
                    result.append(.command(.send(text)))
                } else {
                    let template = value["text"]?.string ?? ""
                    let count = value["count"]?.int ?? 1
                    for n in 1...max(1, count) { result.append(.command(.send(template.replacing("{n}", with: String(n))))) }
                }
            case "wait-for":
                if let party = value["party"]?.string {
                    result.append(.waitForParty(party: party, text: value["text"]?.string ?? ""))
                } else {
                    result.append(.waitFor(value.string ?? ""))
                }
            case "sleep": if let value = duration(value) { result.append(.sleep(value)) }
            case "raw": result.append(.raw(to: value["to"]?.string ?? "", text: value["text"]?.string ?? ""))
            default: fail(key, "unknown step '\(name)'")
            }
        }
        return result
    }

    mutating func party(_ node: Node?, _ parties: Set<String>, field: String) -> String {
        let name = node?.string ?? ""
        if !parties.contains(name) { fail(node, "\(field): unknown party '\(name)' (\(parties.sorted().joined(separator: ", ")))") }
        return name
    }

    mutating func expectation(_ node: Node, parties: Set<String>, proxies: Set<String>) -> Expectation? {
        guard let (key, value) = node.mapping?.first, let name = key.string else { return nil }
        let line = node.mark?.line ?? 1
        let kind: ExpectationKind
        switch name {
        case "delivered":
            let to = party(value["to"], parties, field: "to")
            let from = party(value["from"], parties, field: "from")
            var texts = value["texts"]?.sequence?.compactMap(\.string) ?? []
            if let template = value["text"]?.string {
                let count = value["count"]?.int ?? 1
                texts += (0..<count).map { template.replacing("{n}", with: String($0 + 1)) }
            } else if value["texts"] == nil {
                fail(value, "delivered: give texts: [...] or text: with count:")
            }
            kind = .delivered(to: to, from: from, texts: texts)
        case "resent", "wire":
            var filter = WireFilter()
            if let verbNode = value["verb"] {
                let text = verbNode.string ?? ""
                filter.verb = Verb(rawValue: text.uppercased())
                if filter.verb == nil { fail(verbNode, "unknown verb '\(text)'") }
            }
            if value["from"] != nil { filter.from = party(value["from"], parties, field: "from") }
            if value["to"] != nil { filter.to = party(value["to"], parties, field: "to") }
            filter.seq = value["seq"]?.int.map { SeqNo($0) }
            if let proxyNode = value["proxy"] {
                let proxyName = proxyNode.string ?? ""
                if !proxies.contains(proxyName) { fail(proxyNode, "proxy: no proxy named '\(proxyName)'") }
                filter.proxy = proxyName
            }
            filter.direction = value["dir"]?.string.flatMap(LinkDirection.init(rawValue:))
            filter.verdict = value["verdict"]?.string.flatMap(TraceVerdict.init(rawValue:))  // the schema allows only these
            filter.bound = CountBound(exact: value["count"]?.int, min: value["min"]?.int, max: value["max"]?.int)
            if let interval = value["interval"]?.sequence, interval.count == 2 {
                let bounds = interval.map { node -> ScenarioDuration? in
                    guard let text = node.string else { return nil }
                    if let factor = Double(text) { return .rto(factor) }  // plain numbers are RTO multiples here
                    return duration(node)
                }
                if let low = bounds[0], let high = bounds[1] { filter.interval = (low, high) }
            }
            if name == "resent", filter.verb == nil { fail(value, "resent: needs verb:") }
            if name == "resent", filter.bound.isEmpty { filter.bound = CountBound(min: 1) }
            kind = name == "resent" ? .resent(filter) : .wire(filter)
        case "dedup":
            kind = .dedup(at: party(value["at"], parties, field: "at"), from: party(value["from"], parties, field: "from"),
                          seq: SeqNo(value["seq"]?.int ?? 1))
        case "displayed":
            let who = party(value["party"], parties, field: "party")
            var bound = CountBound(exact: value["count"]?.int, min: value["min"]?.int, max: value["max"]?.int)
            if bound.isEmpty { bound = CountBound(min: 1) }
            kind = .displayed(party: who, text: value["text"]?.string ?? "", bound: bound)
        case "terminated":
            kind = .terminated(by: party(value["by"], parties, field: "by"), peer: party(value["peer"], parties, field: "peer"))
        case "left":
            kind = .left(party(value, parties, field: "left"))
        case "stuck":
            kind = .stuck(value.bool ?? false)
        default:
            fail(key, "unknown expectation '\(name)'")
            return nil
        }
        return Expectation(kind: kind, line: line)
    }
}
