import UDPChatImpairment
import UDPChatSupport
import Yams

/// `--config FILE.yaml`: several links in one process, each with its own impairments, rules
/// and timeline. Errors name the file and line.
///
/// ```yaml
/// seed: 42                  # optional (the command line's --seed wins)
/// flow-idle: 60s            # optional
/// max-flows: 1024           # optional
/// count-verbs: true         # optional (--count-verbs): received datagrams by verb
/// links:
///   - name: alice           # optional, default link1, link2, …
///     listen: 127.0.0.1:9001
///     to: 127.0.0.1:7070
///     loss: 5%              # any impairment key here applies to both directions
///     up: { delay: 50ms, jitter: 10ms }
///     down: { duplicate: 5%, slot: 10ms 20ms packets 4, limit: 100 }   # netem's vocabulary too
///     rules:
///       - drop dir=up verb=MSG seq=1 nth=1
///     timeline:
///       - { at: 10s, set: { loss: 50% } }
///       - { at: 20s, dir: up, set: { loss: off, blackhole: 0s+1s } }
/// ```
public struct ProxyConfigFile: Sendable {
    public var links: [LinkConfiguration]
    public var seed: UInt64?
    public var flowIdle: Duration?
    public var maxFlows: Int?
    public var countVerbs: Bool?

    /// Parses the YAML text; `path` is used in error messages.
    public static func parse(_ text: String, path: String) throws(UDPChatError) -> ProxyConfigFile {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw UDPChatError.proxyConfig("\(path): empty configuration") }
            root = node
        } catch let error as UDPChatError {
            throw error
        } catch let error as YamlError {
            throw UDPChatError.proxyConfig("\(path): \(Self.describe(error))")
        } catch {
            throw UDPChatError.proxyConfig("\(path): \(error)")
        }
        var reader = Reader(path: path)
        return try reader.file(root)
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            "line \(mark.line): \(problem)"
        default:
            "\(error)"
        }
    }
}

private struct Reader {
    let path: String

    func fail(_ node: Node?, _ message: String) -> UDPChatError {
        UDPChatError.proxyConfig("\(path):\(node?.mark?.line ?? 0): \(message)")
    }

    func mapping(_ node: Node, _ what: String) throws(UDPChatError) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { throw fail(node, "\(what) must be a mapping (key: value)") }
        var out: [(String, Node, Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else { throw fail(key, "keys must be plain words") }
            out.append((name, key, value))
        }
        return out
    }

    func scalar(_ node: Node, _ key: String) throws(UDPChatError) -> String {
        guard case .scalar(let scalar) = node else { throw fail(node, "'\(key)' must be a single value") }
        return scalar.string
    }

    mutating func file(_ root: Node) throws(UDPChatError) -> ProxyConfigFile {
        var result = ProxyConfigFile(links: [])
        var sawLinks = false
        for (key, keyNode, value) in try mapping(root, "the configuration") {
            switch key {
            case "seed":
                guard let seed = UInt64(try scalar(value, key)) else { throw fail(value, "seed must be an unsigned integer") }
                result.seed = seed
            case "flow-idle":
                do { result.flowIdle = try Vocabulary.duration(try scalar(value, key)) } catch { throw fail(value, "\(error)") }
            case "max-flows":
                guard let n = Int(try scalar(value, key)), n >= 1 else { throw fail(value, "max-flows must be a positive integer") }
                result.maxFlows = n
            case "count-verbs":
                switch try scalar(value, key).lowercased() {
                case "true", "yes", "on": result.countVerbs = true
                case "false", "no", "off": result.countVerbs = false
                case let other: throw fail(value, "count-verbs must be true or false, not '\(other)'")
                }
            case "links":
                sawLinks = true
                guard case .sequence(let sequence) = value else { throw fail(value, "links must be a list") }
                for (i, node) in sequence.enumerated() { result.links.append(try link(node, index: i)) }
            default:
                throw fail(keyNode, "unknown key '\(key)' (seed, flow-idle, max-flows, count-verbs, links)")
            }
        }
        guard sawLinks, !result.links.isEmpty else { throw fail(root, "no links (add a 'links:' list)") }
        return result
    }

    func link(_ node: Node, index: Int) throws(UDPChatError) -> LinkConfiguration {
        var name = "link\(index + 1)"
        var listen: Endpoint?
        var target: Endpoint?
        var impairments = ImpairmentConfig()
        for (key, keyNode, value) in try mapping(node, "a link") {
            switch key {
            case "name": name = try scalar(value, key)
            case "listen", "to", "target":
                let text = try scalar(value, key)
                guard let endpoint = Endpoint(parsing: text) else { throw fail(value, "'\(text)' is not HOST:PORT") }
                if key == "listen" { listen = endpoint } else { target = endpoint }
            case "up", "down":
                let direction: [Direction] = key == "up" ? [.up] : [.down]
                for (k, kNode, v) in try mapping(value, "'\(key)'") {
                    impairments.apply(try setting(k, kNode, v), to: direction)
                }
            case "rules":
                guard case .sequence(let rules) = value else { throw fail(value, "rules must be a list of rule strings") }
                for ruleNode in rules {
                    do { impairments.rules.append(try Rule.parse(try scalar(ruleNode, "rule"))) } catch let error as ImpairmentParseError {
                        throw fail(ruleNode, "bad rule: \(error)")
                    } catch { throw fail(ruleNode, "\(error)") }
                }
            case "timeline":
                guard case .sequence(let events) = value else { throw fail(value, "timeline must be a list") }
                for event in events { impairments.timeline.append(contentsOf: try timelineEvent(event)) }
            default:
                impairments.apply(try setting(key, keyNode, value), to: Direction.allCases)
            }
        }
        guard let listen else { throw fail(node, "link '\(name)' needs listen: HOST:PORT") }
        guard let target else { throw fail(node, "link '\(name)' needs to: HOST:PORT") }
        return LinkConfiguration(name: name, listen: listen, target: target, impairments: impairments)
    }

    func setting(_ key: String, _ keyNode: Node, _ value: Node) throws(UDPChatError) -> Setting {
        let text = try scalar(value, key)
        do {
            return try Setting.parse(key: key, value: text)
        } catch {
            throw fail(error.token == key ? keyNode : value, "\(error)")
        }
    }

    func timelineEvent(_ node: Node) throws(UDPChatError) -> [TimelineEvent] {
        var at: Duration?
        var directions = Direction.allCases
        var settings: [Setting] = []
        for (key, keyNode, value) in try mapping(node, "a timeline entry") {
            switch key {
            case "at":
                do { at = try Vocabulary.duration(try scalar(value, key)) } catch { throw fail(value, "\(error)") }
            case "dir":
                guard let d = Direction(rawValue: try scalar(value, key)) else { throw fail(value, "dir must be up or down") }
                directions = [d]
            case "set":
                for (k, kNode, v) in try mapping(value, "'set'") { settings.append(try setting(k, kNode, v)) }
            default:
                throw fail(keyNode, "unknown timeline key '\(key)' (at, dir, set)")
            }
        }
        guard let at else { throw fail(node, "timeline entry needs at: (e.g. at: 10s)") }
        guard !settings.isEmpty else { throw fail(node, "timeline entry needs set: { … }") }
        return settings.map { TimelineEvent(at: at, directions: directions, setting: $0) }
    }
}
