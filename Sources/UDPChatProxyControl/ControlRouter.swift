import Foundation
import UDPChatImpairment
import UDPChatProxy

/// Maps a request to a `ProxyControlling` call and its answer. No I/O of its own: the HTTP
/// server hands it method, URI and body; tests may call it directly.
///
/// | request | answer |
/// | --- | --- |
/// | `GET /links` | 200, every link (`ControlJSON.link`) |
/// | `GET /links/NAME` | 200, that link |
/// | `GET /links/NAME/rules` | 200, `{"rules":[{"n":1,"rule":…,"matched":…,"acted":…}]}` |
/// | `GET /version` | 200, `{"version":…}` |
/// | `PATCH /links/NAME` `{"up": {"loss": "100%"}}` (keys `up`, `down`, `both`) | 200, the link as changed |
/// | `POST /links/NAME/rules` `{"rule": "drop verb=MSG"}` | 201, `{"rule":N,"text":…}` |
/// | `DELETE /links/NAME/rules/N` | 200, `{"removed":N}` |
/// | `POST /links/NAME/reset` | 200, the link back at its start configuration (toxiproxy's reset) |
/// | `POST /reset` | 200, every link back at its start configuration |
/// | `POST /links/NAME/counters/reset` | 200, the link with zeroed counters |
/// | `POST /links` `{"name": …, "listen": …, "target": …}` (`LinkRequest`) | 201, the new link |
/// | `DELETE /links/NAME` | 200, `{"removed":NAME}` |
/// | `GET /metrics` | 200, Prometheus text |
///
/// Bad JSON, an unknown key or a bad value: 400 with a one-line reason. Unknown link or rule:
/// 404. A link name taken, or a listen address that cannot be bound: 409. Unknown path: 404;
/// known path, other method: 405.
public struct ControlRouter: Sendable {
    public let proxy: any ProxyControlling
    public let metrics: ProxyMetrics
    /// What `GET /version` answers.
    public let version: String
    /// Told one line per change made through the API (the proxy's console shows it).
    public let onChange: @Sendable (String) -> Void

    public init(proxy: any ProxyControlling, metrics: ProxyMetrics = ProxyMetrics(), version: String = "unknown",
                onChange: @escaping @Sendable (String) -> Void = { _ in }) {
        self.proxy = proxy
        self.metrics = metrics
        self.version = version
        self.onChange = onChange
    }

    public func handle(method: String, uri: String, body: [UInt8]) async -> ControlResponse {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let parts = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        do throws(RouteError) {
            switch (method, parts.count, parts.first) {
            case ("GET", 1, "links"):
                let states = await proxy.linkStates()
                return .json("[" + states.map(ControlJSON.link).joined(separator: ",") + "]")
            case ("GET", 1, "version"):
                return .json("{\"version\":" + JSONText.string(version) + "}")
            case ("GET", 3, "links") where parts[2] == "rules":
                guard let state = await proxy.linkStates().first(where: { $0.name == parts[1] }) else {
                    throw .notFound(ControlError.unknownLink(parts[1]).description)
                }
                return .json("{\"rules\":" + ControlJSON.rules(state) + "}")
            case ("GET", 1, "metrics"):
                return ControlResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                       body: metrics.render(await proxy.linkStates()))
            case ("GET", 2, "links"):
                guard let state = await proxy.linkStates().first(where: { $0.name == parts[1] }) else {
                    throw .notFound(ControlError.unknownLink(parts[1]).description)
                }
                return .json(ControlJSON.link(state))
            case ("PATCH", 2, "links"):
                let settings = try ControlRequests.decode(SettingsRequest.self, body, usage: "give the change as {\"up\": {\"loss\": \"100%\"}}").settings
                let state = try await call { () async throws(ControlError) in try await proxy.apply(settings, link: parts[1]) }
                onChange("[\(parts[1])] control API: set \(String(decoding: body, as: UTF8.self).filter { $0 != "\n" })")
                return .json(ControlJSON.link(state))
            case ("POST", 3, "links") where parts[2] == "rules":
                let rule = try ControlRequests.decode(RuleRequest.self, body, usage: "give the rule as {\"rule\": \"drop dir=up verb=MSG nth=1\"}").rule
                let number = try await call { () async throws(ControlError) in try await proxy.addRule(rule, link: parts[1]) }
                onChange("[\(parts[1])] control API: added rule \(number): \(rule.text)")
                return .json("{\"rule\":\(number),\"text\":" + JSONText.string(rule.text) + "}", status: 201)
            case ("DELETE", 4, "links") where parts[2] == "rules":
                guard let number = Int(parts[3]), number >= 1 else { throw .notFound("no rule '\(parts[3])' (rules are numbered from 1)") }
                try await call { () async throws(ControlError) in try await proxy.removeRule(number, link: parts[1]) }
                onChange("[\(parts[1])] control API: removed rule \(number)")
                return .json("{\"removed\":\(number)}")
            case ("POST", 4, "links") where parts[2] == "counters" && parts[3] == "reset":
                return try await resetCounters(link: parts[1])
            case ("POST", 3, "links") where parts[2] == "reset":
                let state = try await call { () async throws(ControlError) in try await proxy.restore(link: parts[1]) }
                onChange("[\(parts[1])] control API: restored the start configuration (\(Self.describe(state)))")
                return .json(ControlJSON.link(state))
            case ("POST", 1, "reset"):
                return await restoreAll()
            case ("POST", 1, "links"):
                return try await create(body)
            case ("DELETE", 2, "links"):
                return try await remove(link: parts[1])
            default:
                if Self.knownPath(parts) { throw .methodNotAllowed("\(method) is not allowed on \(path)") }
                throw .notFound("no such endpoint: \(method) \(path) (see docs/PROXY.md, live control)")
            }
        } catch {
            return error.response
        }
    }

    private static func knownPath(_ parts: [String]) -> Bool {
        switch (parts.count, parts.first) {
        case (1, "links"), (1, "metrics"), (1, "version"), (1, "reset"), (2, "links"): true
        case (3, "links"): parts[2] == "rules" || parts[2] == "reset"
        case (4, "links"): parts[2] == "rules" || (parts[2] == "counters" && parts[3] == "reset")
        default: false
        }
    }

    /// `POST /links/NAME/counters/reset`: zeroes the link's counters; metrics keep counting.
    private func resetCounters(link name: String) async throws(RouteError) -> ControlResponse {
        // Metrics keep counting across the reset: take the last figures first.
        metrics.absorb(await proxy.linkStates().filter { $0.name == name })
        let state = try await call { () async throws(ControlError) in try await proxy.resetCounters(link: name) }
        metrics.rebase(state)
        onChange("[\(name)] control API: counters reset")
        return .json(ControlJSON.link(state))
    }

    /// `POST /reset`: every link back at its start configuration.
    private func restoreAll() async -> ControlResponse {
        var states: [LinkState] = []
        for link in await proxy.linkStates() {
            // A link removed meanwhile is simply not there any more.
            if let state = try? await proxy.restore(link: link.name) { states.append(state) }
        }
        onChange("control API: every link restored to its start configuration (\(states.map(\.name).joined(separator: ", ")))")
        return .json("[" + states.map(ControlJSON.link).joined(separator: ",") + "]")
    }

    /// `POST /links`: a new link, started.
    private func create(_ body: [UInt8]) async throws(RouteError) -> ControlResponse {
        let configuration = try LinkRequest.configuration(from: body)
        let state = try await call { () async throws(ControlError) in try await proxy.addLink(configuration) }
        onChange("[\(state.name)] control API: link created, \(state.listen) → \(state.target)\(state.rules.isEmpty ? "" : " (\(Self.describe(state)))")")
        return .json(ControlJSON.link(state), status: 201)
    }

    /// `DELETE /links/NAME`: the link stopped and forgotten; metrics keep its last figures.
    private func remove(link name: String) async throws(RouteError) -> ControlResponse {
        metrics.absorb(await proxy.linkStates().filter { $0.name == name })
        try await call { () async throws(ControlError) in try await proxy.removeLink(name) }
        onChange("[\(name)] control API: link removed")
        return .json("{\"removed\":" + JSONText.string(name) + "}")
    }

    /// A link's settings and rules in a few words, for console lines.
    static func describe(_ state: LinkState) -> String {
        let rules = state.rules.count == 1 ? "1 rule" : "\(state.rules.count) rules"
        let impaired = state.up.isPassthrough && state.down.isPassthrough ? "no impairment" : "impairments as at start"
        return impaired + ", " + rules
    }

    private func call<T>(_ body: () async throws(ControlError) -> T) async throws(RouteError) -> T {
        do { return try await body() } catch {
            switch error {
            case .unknownLink, .unknownRule: throw .notFound(error.description)
            case .linkExists, .cannotCreate: throw .conflict(error.description)
            }
        }
    }
}

/// A request that cannot be carried out, with its status.
enum RouteError: Error {
    case badRequest(String)
    case notFound(String)
    case methodNotAllowed(String)
    case conflict(String)

    var response: ControlResponse {
        switch self {
        case .badRequest(let reason): .error(400, reason)
        case .notFound(let reason): .error(404, reason)
        case .methodNotAllowed(let reason): .error(405, reason)
        case .conflict(let reason): .error(409, reason)
        }
    }
}
