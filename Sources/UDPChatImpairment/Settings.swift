import UDPChatSupport

/// How datagrams get lost.
public enum LossModel: Hashable, Sendable, CustomStringConvertible {
    /// Each datagram is lost with probability `probability`. With `correlation` c > 0 the
    /// previous decision is repeated with probability c, else drawn afresh: the long-run loss
    /// rate stays `probability` and losses come in runs of mean length 1 / ((1 − c)·(1 − p)).
    case random(probability: Double, correlation: Double)
    /// Gilbert-Elliott: two states, Good and Bad. Per datagram the state moves Good→Bad with
    /// probability `p` and Bad→Good with probability `r`; a datagram is then delivered with
    /// probability `k` in Good and `h` in Bad. Defaults h = 0, k = 1 (Gilbert: all lost in Bad,
    /// none in Good), so bursts have mean length 1/r and gaps mean length 1/p.
    case gilbertElliott(p: Double, r: Double, h: Double, k: Double)
    /// netem's 4-state Markov model (`loss state p13 p31 p32 p23 p14`, Salsano et al.): states
    /// 1 = delivered in a gap, 2 = delivered in a burst, 3 = lost in a burst, 4 = isolated
    /// loss. Per datagram: from 1 to 3 with `p13`, to 4 with `p14`, else stay; from 2 to 3 with
    /// `p23`; from 3 to 1 with `p31`, to 2 with `p32`, else stay; from 4 always back to 1. The
    /// datagram is lost when the new state is 3 or 4. tc's defaults for what is left out:
    /// p31 = 1 − p13, p32 = 0, p23 = 100 %, p14 = 0.
    case fourState(p13: Double, p31: Double, p32: Double, p23: Double, p14: Double)

    /// `10%`, `10%,corr=25%` (or netem's `10% 25%`), `ge:p=1%,r=25%[,h=0%,k=100%]`,
    /// `state 1% 30% 10% 50% 0.1%` (netem's order p13 p31 p32 p23 p14, also `state:p13=1%,p31=30%…`),
    /// `off`/`0%`/`none` (nil).
    public static func parse(_ text: String) throws(ImpairmentParseError) -> LossModel? {
        if text == "off" || text == "none" { return nil }
        if text.hasPrefix("state"), let next = text.dropFirst(5).first, next == " " || next == ":" || next == "," {
            return try parseFourState(text)
        }
        if text.hasPrefix("ge:") {
            var p: Double?, r: Double?, h = 0.0, k = 1.0
            for item in text.dropFirst(3).split(separator: ",") {
                let (key, value) = try Vocabulary.keyValue(item)
                switch key {
                case "p": p = try Vocabulary.percent(value)
                case "r": r = try Vocabulary.percent(value)
                case "h": h = try Vocabulary.percent(value)
                case "k": k = try Vocabulary.percent(value)
                default: throw ImpairmentParseError(token: String(item), reason: "unknown Gilbert-Elliott parameter (p, r, h, k)")
                }
            }
            guard let p, let r else {
                throw ImpairmentParseError(token: text, reason: "Gilbert-Elliott needs p= and r= (e.g. ge:p=1%,r=25%)")
            }
            return .gilbertElliott(p: p, r: r, h: h, k: k)
        }
        let (probability, correlation) = try Vocabulary.chance(text, what: "loss")
        return probability == 0 ? nil : .random(probability: probability, correlation: correlation)
    }

    private static func parseFourState(_ text: String) throws(ImpairmentParseError) -> LossModel {
        let tokens = try Vocabulary.tokens(String(text.dropFirst(6)))
        let names = ["p13", "p31", "p32", "p23", "p14"]
        var values: [String: Double] = [:]
        var position = 0
        for token in tokens {
            if let key = token.key {
                guard names.contains(key) else {
                    throw ImpairmentParseError(token: token.text, reason: "unknown 4-state parameter (p13, p31, p32, p23, p14)")
                }
                values[key] = try Vocabulary.percent(token.value)
            } else {
                guard position < names.count else { throw ImpairmentParseError(token: token.text, reason: "4-state loss takes at most 5 values (p13 p31 p32 p23 p14)") }
                values[names[position]] = try Vocabulary.percent(token.value)
                position += 1
            }
        }
        guard let p13 = values["p13"] else {
            throw ImpairmentParseError(token: text, reason: "4-state loss needs p13 (e.g. state 1% 30% 10% 50% 0.1%)")
        }
        let model = LossModel.fourState(
            p13: p13, p31: values["p31"] ?? 1 - p13, p32: values["p32"] ?? 0, p23: values["p23"] ?? 1, p14: values["p14"] ?? 0)
        guard case .fourState(let a, let b, let c, _, let e) = model, a + e <= 1, b + c <= 1 else {
            throw ImpairmentParseError(token: text, reason: "4-state loss needs p13 + p14 ≤ 100% and p31 + p32 ≤ 100%")
        }
        return model
    }

    public var description: String {
        switch self {
        case .random(let p, let c): c == 0 ? "\(pct(p))" : "\(pct(p)),corr=\(pct(c))"
        case .gilbertElliott(let p, let r, let h, let k): "ge:p=\(pct(p)),r=\(pct(r)),h=\(pct(h)),k=\(pct(k))"
        case .fourState(let p13, let p31, let p32, let p23, let p14):
            "state:p13=\(pct(p13)),p31=\(pct(p31)),p32=\(pct(p32)),p23=\(pct(p23)),p14=\(pct(p14))"
        }
    }
}

func pct(_ value: Double) -> String {
    var text = String((value * 100 * 1000).rounded() / 1000)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text + "%"
}

/// The shape of jitter around the base delay.
public enum DelayDistribution: String, CaseIterable, Hashable, Sendable {
    /// Uniform in [−jitter, +jitter].
    case uniform
    /// Normal with standard deviation `jitter`.
    case normal
    /// Heavy-tailed, only later: jitter × (X − 1) with X ~ Pareto(x_m = 1, α = 3) (mean jitter/2).
    case pareto
}

/// Reordering: a datagram is held back with `probability` until the next datagram of the same
/// direction has been delivered (it overtakes), or at most `hold` when no next one comes.
/// netem's `gap N`: only a datagram that follows at least N − 1 datagrams not reordered is a
/// candidate (so with 100 % every N-th datagram is reordered); `correlation` as netem's.
public struct ReorderSpec: Hashable, Sendable, CustomStringConvertible {
    public var probability: Double
    public var hold: Duration
    public var correlation: Double
    public var gap: Int
    public init(probability: Double, hold: Duration = .milliseconds(100), correlation: Double = 0, gap: Int = 1) {
        self.probability = probability
        self.hold = hold
        self.correlation = correlation
        self.gap = gap
    }

    /// `10%,hold=100ms[,corr=25%][,gap=5]`.
    public var description: String {
        var text = "\(pct(probability)),hold=\(hold.compactDescription)"
        if correlation > 0 { text += ",corr=\(pct(correlation))" }
        if gap > 1 { text += ",gap=\(gap)" }
        return text
    }
}

/// netem's `slot MIN_DELAY [MAX_DELAY] [packets N] [bytes N]`: datagrams leave only at slot
/// boundaries, in bursts. A datagram ready when no slot is pending opens one a uniform draw in
/// [min, max] later; a slot carries at most `packets` datagrams and `bytes` bytes (the last
/// one may overrun), and when it is used up the next slot opens the same draw later.
public struct SlotSpec: Hashable, Sendable, CustomStringConvertible {
    public var min: Duration
    public var max: Duration
    public var packets: Int?
    public var bytes: Int?
    public init(min: Duration, max: Duration? = nil, packets: Int? = nil, bytes: Int? = nil) {
        self.min = min
        self.max = max ?? min
        self.packets = packets
        self.bytes = bytes
    }

    public var description: String {
        var text = min.compactDescription
        if max != min { text += " " + max.compactDescription }
        if let packets { text += " packets \(packets)" }
        if let bytes { text += " bytes \(bytes)" }
        return text
    }
}

/// Everything that impairs one direction of a link. Defaults: nothing.
public struct ImpairmentSettings: Hashable, Sendable {
    public var loss: LossModel?
    public var delay: Duration = .zero
    public var jitter: Duration = .zero
    /// netem's delay correlation: each jitter draw uses (1 − c)·U + c·(previous draw).
    public var delayCorrelation = 0.0
    public var distribution: DelayDistribution = .uniform
    /// When false (default) deliveries in this direction leave in arrival order even with jitter.
    public var jitterReorders = false
    public var duplicate = 0.0
    public var duplicateCorrelation = 0.0
    public var reorder: ReorderSpec?
    public var corrupt = 0.0
    public var corruptCorrelation = 0.0
    /// Datagrams longer than this are cut to it.
    public var mtu: Int?
    /// Bits per second; nil = unlimited.
    public var rate: Double?
    /// Most datagrams waiting for the rate limiter (queued beyond → `queue-overflow`).
    public var queue = 1000
    /// netem's `limit`: most datagrams waiting in this direction at once (delayed, rate-queued
    /// or waiting for a slot); beyond → `queue-overflow`. nil: only the rate limiter's `queue`.
    public var limit: Int?
    public var slot: SlotSpec?
    public var blackholes: [TimeWindow] = []

    public init() {}

    /// True when nothing is set: the relay may forward without consulting the engine.
    public var isPassthrough: Bool { self == ImpairmentSettings() }

    /// Applies one setting (`key` as on the command line without `--`, see `Setting.keys`).
    public mutating func apply(_ setting: Setting) {
        switch setting {
        case .loss(let model): loss = model
        case .delay(let value): delay = value
        case .jitter(let value, let correlation):
            jitter = value
            delayCorrelation = correlation
        case .distribution(let value): distribution = value
        case .jitterReorders(let value): jitterReorders = value
        case .duplicate(let value, let correlation):
            duplicate = value
            duplicateCorrelation = correlation
        case .reorder(let value): reorder = value
        case .corrupt(let value, let correlation):
            corrupt = value
            corruptCorrelation = correlation
        case .mtu(let value): mtu = value
        case .rate(let value): rate = value
        case .queue(let value): queue = value
        case .limit(let value): limit = value
        case .slot(let value): slot = value
        case .blackhole(let window): blackholes.append(window)
        case .clearBlackholes: blackholes.removeAll()
        }
    }
}

/// One impairment setting, parsed from `key` + `value` (the same words on the command line,
/// in YAML and in timeline entries).
public enum Setting: Hashable, Sendable {
    case loss(LossModel?)
    case delay(Duration)
    /// Jitter and netem's delay correlation.
    case jitter(Duration, correlation: Double = 0)
    case distribution(DelayDistribution)
    case jitterReorders(Bool)
    case duplicate(Double, correlation: Double = 0)
    case reorder(ReorderSpec?)
    case corrupt(Double, correlation: Double = 0)
    case mtu(Int?)
    case rate(Double?)
    case queue(Int)
    case limit(Int?)
    case slot(SlotSpec?)
    case blackhole(TimeWindow)
    case clearBlackholes

    /// The keys `parse(key:value:)` understands.
    public static let keys = [
        "loss", "delay", "jitter", "distribution", "jitter-reorder", "duplicate", "reorder", "corrupt", "mtu",
        "rate", "queue", "limit", "slot", "blackhole",
    ]

    /// Parses e.g. `("loss", "10%")`, `("delay", "50ms")`, `("jitter", "10ms,corr=25%")`,
    /// `("reorder", "10%,hold=50ms,gap=5")`, `("rate", "1mbit")`, `("slot", "10ms 20ms packets 4")`,
    /// `("limit", "100")`, `("blackhole", "5s+3s")`. Values take udpchat's `key=value` form or
    /// netem's positional form (`5% 25%` = probability and correlation). `off` clears a setting.
    public static func parse(key: String, value: String) throws(ImpairmentParseError) -> Setting {
        let off = value == "off" || value == "none"
        switch key {
        case "loss": return .loss(try LossModel.parse(value))
        case "delay": return .delay(off ? .zero : try Vocabulary.duration(value))
        case "jitter":
            if off { return .jitter(.zero) }
            let tokens = try Vocabulary.tokens(value, keywords: ["corr", "correlation"])
            var jitter: Duration?
            var correlation = 0.0
            for token in tokens {
                switch token.key {
                case nil where jitter == nil: jitter = try Vocabulary.duration(token.value)
                case nil, "corr", "correlation": correlation = try Vocabulary.percent(token.value)
                default: throw ImpairmentParseError(token: token.text, reason: "unknown jitter parameter (corr)")
                }
            }
            guard let jitter else { throw ImpairmentParseError(token: value, reason: "jitter needs a duration (e.g. 10ms,corr=25%)") }
            return .jitter(jitter, correlation: correlation)
        case "distribution":
            guard let d = DelayDistribution(rawValue: value) else {
                throw ImpairmentParseError(token: value, reason: "unknown distribution (uniform, normal, pareto)")
            }
            return .distribution(d)
        case "jitter-reorder":
            switch value {
            case "true", "yes", "on": return .jitterReorders(true)
            case "false", "no", "off": return .jitterReorders(false)
            default: throw ImpairmentParseError(token: value, reason: "expected true or false")
            }
        case "duplicate":
            if off { return .duplicate(0) }
            let (p, c) = try Vocabulary.chance(value, what: "duplicate")
            return .duplicate(p, correlation: c)
        case "corrupt":
            if off { return .corrupt(0) }
            let (p, c) = try Vocabulary.chance(value, what: "corrupt")
            return .corrupt(p, correlation: c)
        case "reorder":
            if off { return .reorder(nil) }
            let (p, c, extra) = try Vocabulary.chance(value, what: "reorder", extraKeys: ["hold", "gap"])
            var spec = ReorderSpec(probability: p, correlation: c)
            if let hold = extra["hold"] { spec.hold = try Vocabulary.duration(hold) }
            if let gap = extra["gap"] { spec.gap = try Vocabulary.count(gap, max: 1_000_000, what: "gap") }
            return .reorder(spec.probability == 0 ? nil : spec)
        case "mtu": return .mtu(off ? nil : try Vocabulary.count(value, max: 65_507, what: "MTU"))
        case "rate": return .rate(off ? nil : try Vocabulary.rate(value))
        case "queue": return .queue(try Vocabulary.count(value, max: 1_000_000, what: "queue limit"))
        case "limit": return .limit(off ? nil : try Vocabulary.count(value, max: 1_000_000, what: "limit"))
        case "slot": return .slot(off ? nil : try Vocabulary.slot(value))
        case "blackhole": return off ? .clearBlackholes : .blackhole(try Vocabulary.window(value))
        default:
            throw ImpairmentParseError(token: key, reason: "unknown impairment (one of \(keys.joined(separator: ", ")))")
        }
    }
}
