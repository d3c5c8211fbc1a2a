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

    /// `10%`, `10%,corr=25%`, `ge:p=1%,r=25%[,h=0%,k=100%]`, `off`/`0%`/`none` (nil).
    public static func parse(_ text: String) throws(ImpairmentParseError) -> LossModel? {
        if text == "off" || text == "none" { return nil }
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
        let parts = text.split(separator: ",")
        guard let first = parts.first else { throw ImpairmentParseError(token: text, reason: "empty loss") }
        let probability = try Vocabulary.percent(String(first))
        var correlation = 0.0
        for item in parts.dropFirst() {
            let (key, value) = try Vocabulary.keyValue(item)
            guard key == "corr" else { throw ImpairmentParseError(token: String(item), reason: "unknown loss parameter (corr)") }
            correlation = try Vocabulary.percent(value)
        }
        return probability == 0 ? nil : .random(probability: probability, correlation: correlation)
    }

    public var description: String {
        switch self {
        case .random(let p, let c): c == 0 ? "\(pct(p))" : "\(pct(p)),corr=\(pct(c))"
        case .gilbertElliott(let p, let r, let h, let k): "ge:p=\(pct(p)),r=\(pct(r)),h=\(pct(h)),k=\(pct(k))"
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
public struct ReorderSpec: Hashable, Sendable {
    public var probability: Double
    public var hold: Duration
    public init(probability: Double, hold: Duration = .milliseconds(100)) {
        self.probability = probability
        self.hold = hold
    }
}

/// Everything that impairs one direction of a link. Defaults: nothing.
public struct ImpairmentSettings: Hashable, Sendable {
    public var loss: LossModel?
    public var delay: Duration = .zero
    public var jitter: Duration = .zero
    public var distribution: DelayDistribution = .uniform
    /// When false (default) deliveries in this direction leave in arrival order even with jitter.
    public var jitterReorders = false
    public var duplicate = 0.0
    public var reorder: ReorderSpec?
    public var corrupt = 0.0
    /// Datagrams longer than this are cut to it.
    public var mtu: Int?
    /// Bits per second; nil = unlimited.
    public var rate: Double?
    /// Most datagrams waiting for the rate limiter (queued beyond → `queue-overflow`).
    public var queue = 1000
    public var blackholes: [TimeWindow] = []

    public init() {}

    /// True when nothing is set: the relay may forward without consulting the engine.
    public var isPassthrough: Bool { self == ImpairmentSettings() }

    /// Applies one setting (`key` as on the command line without `--`, see `Setting.keys`).
    public mutating func apply(_ setting: Setting) {
        switch setting {
        case .loss(let model): loss = model
        case .delay(let value): delay = value
        case .jitter(let value): jitter = value
        case .distribution(let value): distribution = value
        case .jitterReorders(let value): jitterReorders = value
        case .duplicate(let value): duplicate = value
        case .reorder(let value): reorder = value
        case .corrupt(let value): corrupt = value
        case .mtu(let value): mtu = value
        case .rate(let value): rate = value
        case .queue(let value): queue = value
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
    case jitter(Duration)
    case distribution(DelayDistribution)
    case jitterReorders(Bool)
    case duplicate(Double)
    case reorder(ReorderSpec?)
    case corrupt(Double)
    case mtu(Int?)
    case rate(Double?)
    case queue(Int)
    case blackhole(TimeWindow)
    case clearBlackholes

    /// The keys `parse(key:value:)` understands.
    public static let keys = [
        "loss", "delay", "jitter", "distribution", "jitter-reorder", "duplicate", "reorder", "corrupt", "mtu",
        "rate", "queue", "blackhole",
    ]

    /// Parses e.g. `("loss", "10%")`, `("delay", "50ms")`, `("reorder", "10%,hold=50ms")`,
    /// `("rate", "1mbit")`, `("blackhole", "5s+3s")`. `off` clears loss, reorder, mtu, rate, blackhole.
    public static func parse(key: String, value: String) throws(ImpairmentParseError) -> Setting {
        let off = value == "off" || value == "none"
        switch key {
        case "loss": return .loss(try LossModel.parse(value))
        case "delay": return .delay(off ? .zero : try Vocabulary.duration(value))
        case "jitter": return .jitter(off ? .zero : try Vocabulary.duration(value))
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
        case "duplicate": return .duplicate(off ? 0 : try Vocabulary.percent(value))
        case "corrupt": return .corrupt(off ? 0 : try Vocabulary.percent(value))
        case "reorder":
            if off { return .reorder(nil) }
            let parts = value.split(separator: ",")
            guard let first = parts.first else { throw ImpairmentParseError(token: value, reason: "empty reorder") }
            var spec = ReorderSpec(probability: try Vocabulary.percent(String(first)))
            for item in parts.dropFirst() {
                let (k, v) = try Vocabulary.keyValue(item)
                guard k == "hold" else { throw ImpairmentParseError(token: String(item), reason: "unknown reorder parameter (hold)") }
                spec.hold = try Vocabulary.duration(v)
            }
            return .reorder(spec.probability == 0 ? nil : spec)
        case "mtu": return .mtu(off ? nil : try Vocabulary.count(value, max: 65_507, what: "MTU"))
        case "rate": return .rate(off ? nil : try Vocabulary.rate(value))
        case "queue": return .queue(try Vocabulary.count(value, max: 1_000_000, what: "queue limit"))
        case "blackhole": return off ? .clearBlackholes : .blackhole(try Vocabulary.window(value))
        default:
            throw ImpairmentParseError(token: key, reason: "unknown impairment (one of \(keys.joined(separator: ", ")))")
        }
    }
}
