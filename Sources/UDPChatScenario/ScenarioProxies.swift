// The `proxies:` of a scenario file: one impairment proxy in front of a party, its settings (both
// ways, up, down, blackhole windows), rules, flow limits and timeline, each value checked with the
// proxy's own parsers at the file's RTO (docs/SCENARIOS.md).
import UDPChatImpairment
import UDPChatScript
import UDPChatSimulation
import Yams

extension ScenarioDecoder {
    /// Every proxy, and the names they go by (one proxy per party).
    mutating func decodeProxies(_ nodes: [Node], rto: Duration, clientNames: Set<String>, serverName: String) -> ([ScenarioProxy], Set<String>) {
        var proxies: [ScenarioProxy] = []
        var proxyNames: Set<String> = []
        for node in nodes {
            let target = node["in-front-of"]?.string ?? "?"
            if !(clientNames.contains(target) || target == serverName) {
                fail(node["in-front-of"], "in-front-of: '\(target)' is neither the server nor a client")
            }
            let proxyName = node["name"]?.string ?? target
            if !proxyNames.insert(proxyName).inserted { fail(node, "two proxies are named '\(proxyName)' (one proxy per party; use name: to tell them apart)") }
            if proxies.contains(where: { $0.target == target }) { fail(node, "'\(target)' already has a proxy in front of it") }
            proxies.append(decodeProxy(node, name: proxyName, target: target, rto: rto))
        }
        return (proxies, proxyNames)
    }

    /// One proxy's settings, limits, timeline and rules.
    mutating func decodeProxy(_ node: Node, name: String, target: String, rto: Duration) -> ScenarioProxy {
        var proxy = ScenarioProxy(name: name, target: target)
        for (key, directions) in [("both", LinkDirection.allCases), ("up", [.up]), ("down", [.down])] {
            for (settingKey, value) in node[key]?.mapping ?? [:] {
                guard let name = settingKey.string, let text = value.string else { continue }
                proxy.settings.append(ScenarioSetting(directions: directions, key: name, value: text, line: value.mark?.line ?? 1))
            }
        }
        for window in node["blackhole"]?.sequence ?? [] {
            proxy.settings.append(ScenarioSetting(directions: LinkDirection.allCases, key: "blackhole", value: window.string ?? "",
                                                  line: window.mark?.line ?? 1))
        }
        proxy.rules = node["rules"]?.sequence?.compactMap(\.string) ?? []
        if let idle = node["flow-idle"], let value = duration(idle) {
            if value.resolved(rto: rto) > .zero { proxy.flowIdle = value } else { fail(idle, "flow-idle must be greater than zero") }
        }
        if let limit = node["max-flows"] {
            if let value = limit.int, value >= 1 { proxy.maxFlows = value } else { fail(limit, "max-flows must be a whole number of at least 1") }
        }
        // Check every value with the proxy's own parser (at the file's RTO).
        let settingNodes = ["both", "up", "down"].flatMap { node[$0]?.mapping.map { Array($0.values) } ?? [] } + (node["blackhole"]?.sequence.map(Array.init) ?? [])
        for (setting, valueNode) in zip(proxy.settings, settingNodes) {
            do {
                _ = try Setting.parse(key: setting.key, value: RTOUnits.resolve(setting.value, rto: rto))
            } catch {
                fail(valueNode, "\(setting.key): \(error)")
            }
        }
        proxy.timeline = timeline(Array(node["timeline"]?.sequence ?? []), rto: rto)
        for ruleNode in node["rules"]?.sequence ?? [] {
            do {
                _ = try Rule.parse(RTOUnits.resolve(ruleNode.string ?? "", rto: rto))
            } catch {
                fail(ruleNode, "rule: \(error)")
            }
        }
        return proxy
    }

    /// `timeline:`: at a time, set values on a direction (both when not said).
    mutating func timeline(_ entries: [Node], rto: Duration) -> [(at: ScenarioDuration, setting: ScenarioSetting)] {
        var timeline: [(at: ScenarioDuration, setting: ScenarioSetting)] = []
        for entry in entries {
            guard let at = duration(entry["at"]) else { continue }
            let directions: [LinkDirection] = switch entry["dir"]?.string {
            case "up": [.up]
            case "down": [.down]
            default: LinkDirection.allCases
            }
            for (settingKey, value) in entry["set"]?.mapping ?? [:] {
                guard let name = settingKey.string, let text = value.string else { continue }
                let setting = ScenarioSetting(directions: directions, key: name, value: text, line: value.mark?.line ?? 1)
                do {
                    _ = try Setting.parse(key: name, value: RTOUnits.resolve(text, rto: rto))
                    timeline.append((at, setting))
                } catch {
                    fail(value, "timeline \(name): \(error)")
                }
            }
        }
        return timeline
    }
}
