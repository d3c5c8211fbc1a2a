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
/// | `POST /links/NAME/reset` | 200, the link with zeroed counters |
/// | `GET /metrics` | 200, Prometheus text |
///
/// Bad JSON, an unknown key or a bad value: 400 with a one-line reason. Unknown link or rule:
/// 404. Unknown path: 404; known path, other method: 405.
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
                let settings = try ControlJSON.settings(from: body)
                let state = try await call { () async throws(ControlError) in try await proxy.apply(settings, link: parts[1]) }
                onChange("[\(parts[1])] control API: set \(String(decoding: body, as: UTF8.self).filter { $0 != "\n" })")
                return .json(ControlJSON.link(state))
            case ("POST", 3, "links") where parts[2] == "rules":
                let rule = try ControlJSON.rule(from: body)
                let number = try await call { () async throws(ControlError) in try await proxy.addRule(rule, link: parts[1]) }
                onChange("[\(parts[1])] control API: added rule \(number): \(rule.text)")
                return .json("{\"rule\":\(number),\"text\":" + JSONText.string(rule.text) + "}", status: 201)
            case ("DELETE", 4, "links") where parts[2] == "rules":
                guard let number = Int(parts[3]), number >= 1 else { throw .notFound("no rule '\(parts[3])' (rules are numbered from 1)") }
                try await call { () async throws(ControlError) in try await proxy.removeRule(number, link: parts[1]) }
                onChange("[\(parts[1])] control API: removed rule \(number)")
                return .json("{\"removed\":\(number)}")
            case ("POST", 3, "links") where parts[2] == "reset":
                // Metrics keep counting across the reset: take the last figures first.
                metrics.absorb(await proxy.linkStates().filter { $0.name == parts[1] })
                let state = try await call { () async throws(ControlError) in try await proxy.resetCounters(link: parts[1]) }
                metrics.rebase(state)
                onChange("[\(parts[1])] control API: counters reset")
                return .json(ControlJSON.link(state))
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
        case (1, "links"), (1, "metrics"), (1, "version"), (2, "links"): true
        case (3, "links"): parts[2] == "rules" || parts[2] == "reset"
        case (4, "links"): parts[2] == "rules"
        default: false
        }
    }

    private func call<T>(_ body: () async throws(ControlError) -> T) async throws(RouteError) -> T {
        do { return try await body() } catch { throw .notFound(error.description) }
    }
}

/// A request that cannot be carried out, with its status.
enum RouteError: Error {
    case badRequest(String)
    case notFound(String)
    case methodNotAllowed(String)

    var response: ControlResponse {
        switch self {
        case .badRequest(let reason): .error(400, reason)
        case .notFound(let reason): .error(404, reason)
        case .methodNotAllowed(let reason): .error(405, reason)
        }
    }
}
