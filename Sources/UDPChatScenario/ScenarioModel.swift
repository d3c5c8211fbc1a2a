import UDPChatImpairment
import UDPChatScript
import UDPChatRelay
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// How a scenario runs: in-process on the simulator, or with real processes and sockets.
public enum ScenarioMode: String, Hashable, Sendable, CaseIterable {
    case sim, live
}

/// A client of the scenario: the reference implementation, or a third-party manifest (live only).
public struct ScenarioClient: Hashable, Sendable {
    public var name: String
    public var id: ClientID
    public var window: Int
    public var manifest: String?
    public var script: [ScriptStep]
    /// How often the reference client refreshes its registration (nil: `refresh: off`).
    public var refresh: ScenarioDuration? = .absolute(ProtocolDefaults.refreshEvery)
}

public struct ScenarioStranger: Hashable, Sendable {
    public var name: String
    public var script: [ScriptStep]
}

/// One impairment setting of a proxy, in the proxy's vocabulary (`loss` = `30%`, `reorder` =
/// `10%,hold=50ms`, `blackhole` = `5s+15s`, …). Values may use `rto` units, resolved at run time.
public struct ScenarioSetting: Hashable, Sendable {
    public var directions: [LinkDirection]
    public var key: String
    public var value: String
    public var line: Int
}

public struct ScenarioProxy: Hashable, Sendable {
    public var name: String
    public var target: String
    public var settings: [ScenarioSetting] = []
    /// Targeted rules in the proxy's vocabulary (`drop dir=up verb=MSG seq=1 nth=1`).
    public var rules: [String] = []
    /// Changes on the timeline: at `at` (since the start), apply `setting` (e.g. loss 50%).
    public var timeline: [(at: ScenarioDuration, setting: ScenarioSetting)] = []
    /// `flow-idle`: a flow idle this long is closed (nil: the proxy's default, 60 s).
    public var flowIdle: ScenarioDuration?
    /// `max-flows` (nil: the proxy's default, 1024).
    public var maxFlows: Int?

    /// The relay settings at `rto`, defaults filled in.
    public func flowIdle(rto: Duration) -> Duration { flowIdle?.resolved(rto: rto) ?? RelayConfiguration.defaultFlowIdle }
    public var flowLimit: Int { maxFlows ?? RelayConfiguration.defaultMaxFlows }

    public static func == (lhs: ScenarioProxy, rhs: ScenarioProxy) -> Bool {
        lhs.name == rhs.name && lhs.target == rhs.target && lhs.settings == rhs.settings && lhs.rules == rhs.rules
            && lhs.flowIdle == rhs.flowIdle && lhs.maxFlows == rhs.maxFlows
            && lhs.timeline.map(\.at) == rhs.timeline.map(\.at) && lhs.timeline.map(\.setting) == rhs.timeline.map(\.setting)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(target)
    }

    /// The impairment engine's configuration with `rto` units resolved.
    public func config(rto: Duration) throws(ImpairmentParseError) -> ImpairmentConfig {
        var config = ImpairmentConfig()
        for setting in settings {
            config.apply(try Setting.parse(key: setting.key, value: RTOUnits.resolve(setting.value, rto: rto)), to: setting.directions)
        }
        for rule in rules { config.rules.append(try Rule.parse(RTOUnits.resolve(rule, rto: rto))) }
        for (at, setting) in timeline {
            let parsed = try Setting.parse(key: setting.key, value: RTOUnits.resolve(setting.value, rto: rto))
            config.timeline.append(TimelineEvent(at: at.resolved(rto: rto), directions: setting.directions, setting: parsed))
        }
        return config
    }
}

/// `1.5rto` → `15000ms` (for RTO 10 s) inside any text.
public enum RTOUnits {
    public static func resolve(_ text: String, rto: Duration) -> String {
        guard text.contains("rto") else { return text }
        let pattern = /([0-9]+(?:\.[0-9]+)?)rto/
        return text.replacing(pattern) { match in
            let factor = Double(match.output.1) ?? 0
            let micros = Int64((Double(rto.nanoseconds) * factor / 1000).rounded())
            return "\(micros)us"
        }
    }
}

/// A bound on a count: exact, at least, at most.
public struct CountBound: Hashable, Sendable, CustomStringConvertible {
    public var exact: Int?
    public var min: Int?
    public var max: Int?

    public init(exact: Int? = nil, min: Int? = nil, max: Int? = nil) {
        self.exact = exact
        self.min = min
        self.max = max
    }

    public var isEmpty: Bool { exact == nil && min == nil && max == nil }

    public func allows(_ value: Int) -> Bool {
        if let exact, value != exact { return false }
        if let min, value < min { return false }
        if let max, value > max { return false }
        return true
    }

    public var description: String {
        if let exact { return "exactly \(exact)" }
        switch (min, max) {
        case (let lo?, let hi?): return "\(lo) to \(hi)"
        case (let lo?, nil): return "at least \(lo)"
        case (nil, let hi?): return "at most \(hi)"
        default: return "any number"
        }
    }

    /// The bound with its noun in the right number: "exactly 1 datagram", "at least 2 lines",
    /// "0 to 1 re-sends" (the noun agrees with the last number written).
    public func counting(_ singular: String, _ pluralForm: String? = nil) -> String {
        "\(description) \(plural(exact ?? max ?? 2, singular, pluralForm))"
    }
}

/// Selects datagrams in the trace.
public struct WireFilter: Hashable, Sendable, CustomStringConvertible {
    public var verb: Verb?
    /// The sending party (by name).
    public var from: String?
    public var to: String?
    public var seq: SeqNo?
    public var proxy: String?
    public var direction: LinkDirection?
    public var verdict: TraceVerdict?
    public var bound = CountBound()
    public var interval: (low: ScenarioDuration, high: ScenarioDuration)?

    public static func == (lhs: WireFilter, rhs: WireFilter) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    public var description: String {
        var parts: [String] = []
        if let verb { parts.append(verb.rawValue) }
        if let seq { parts.append("seq=\(seq)") }
        if let from { parts.append("from=\(from)") }
        if let to { parts.append("to=\(to)") }
        if let proxy { parts.append("proxy=\(proxy)") }
        if let direction { parts.append("dir=\(direction.rawValue)") }
        if let verdict { parts.append("verdict=\(verdict)") }
        return parts.isEmpty ? "any datagram" : parts.joined(separator: " ")
    }
}

/// One expectation of a scenario.
public enum ExpectationKind: Hashable, Sendable {
    /// Exactly these texts from `from`, displayed at `to`, once each, in this order.
    case delivered(to: String, from: String, texts: [String])
    /// The first matching transmission re-sent `bound` times, each interval within bounds.
    case resent(WireFilter)
    /// The number of matching datagrams on the wire.
    case wire(WireFilter)
    /// MSG `seq` from `from` reached `at` more than once, was displayed once and ACKed more than once.
    case dedup(at: String, from: String, seq: SeqNo)
    case displayed(party: String, text: String, bound: CountBound)
    /// TERMINATE from `by`, answered by TERMINATED from `peer` (every repeat), both consoles say so.
    case terminated(by: String, peer: String)
    /// LEAVE answered by LEFT, the socket closed only after LEFT arrived, repeats answered.
    case left(String)
    /// Whether some script may stay unfinished (default false: all must finish).
    case stuck(Bool)
}

public struct Expectation: Hashable, Sendable {
    public var kind: ExpectationKind
    /// Where it is written (file line), for reports.
    public var line: Int
}

/// A parsed, checked scenario file.
public struct Scenario: Hashable, Sendable {
    public var path: String
    public var name: String
    public var description: String
    public var rto: Duration
    public var seed: UInt64
    public var timeout: ScenarioDuration?
    public var latency: Duration
    public var modes: Set<ScenarioMode>
    public var serverName: String
    public var serverManifest: String?
    public var clients: [ScenarioClient]
    public var strangers: [ScenarioStranger]
    public var proxies: [ScenarioProxy]
    public var expectations: [Expectation]

    /// Modes this scenario can run in (a third-party manifest makes it live only).
    public var supportedModes: Set<ScenarioMode> {
        if serverManifest != nil || clients.contains(where: { $0.manifest != nil }) { return modes.subtracting([.sim]) }
        return modes
    }

    public var partyNames: [String] { [serverName] + clients.map(\.name) + strangers.map(\.name) }
}
