import UDPChatSupport
import UDPChatWire

/// Random impairments of one direction, netem-style.
public struct DirectionImpairment: Hashable, Sendable {
    public var loss: Double = 0
    public var duplicate: Double = 0
    /// Probability that a datagram is held back by `reorderGap` so later ones overtake it.
    public var reorder: Double = 0
    public var reorderGap: Duration = .milliseconds(50)
    public var delay: Duration = .zero
    /// Uniform jitter: each datagram gets `delay ± jitter` (never below zero).
    public var jitter: Duration = .zero

    public init() {}

    public var isNone: Bool { loss == 0 && duplicate == 0 && reorder == 0 && delay == .zero && jitter == .zero }
}

/// A window on the timeline (relative to the start of the run) in which everything is dropped.
public struct BlackholeWindow: Hashable, Sendable {
    public var start: Duration
    public var length: Duration
    public init(start: Duration, length: Duration) {
        self.start = start
        self.length = length
    }
}

/// The configuration of one proxy's impairments, in the proxy's vocabulary.
public struct ImpairmentConfig: Hashable, Sendable {
    public var up = DirectionImpairment()
    public var down = DirectionImpairment()
    public var blackholes: [BlackholeWindow] = []
    public var rules: [ImpairmentRule] = []

    public init() {}

    public subscript(direction: LinkDirection) -> DirectionImpairment {
        get { direction == .up ? up : down }
        set { if direction == .up { up = newValue } else { down = newValue } }
    }
}

/// The simulator's built-in impairment model (the same vocabulary and combination order as the
/// proxy: blackhole, then the first matching targeted rule, then loss, duplication, delay±jitter
/// and reordering). Every random decision comes from a per-direction, per-kind seeded stream.
public struct BasicImpairment: LinkImpairment, Sendable {
    public let config: ImpairmentConfig
    let origin: Instant
    var streams: [SplitMix64]
    var ruleMatches: [Int]

    /// `label` distinguishes proxies, so two proxies with the same seed decide independently.
    public init(config: ImpairmentConfig, seed: UInt64, label: String, origin: Instant = .zero) {
        self.config = config
        self.origin = origin
        streams = ["up", "down"].map { SplitMix64.stream(seed: seed, label: "\(label)/\($0)") }
        ruleMatches = Array(repeating: 0, count: config.rules.count)
    }

    public mutating func process(_ datagram: [UInt8], message: Message?, direction: LinkDirection, now: Instant) -> ImpairmentOutcome {
        let elapsed = now - origin
        for window in config.blackholes where elapsed >= window.start && elapsed < window.start + window.length {
            return ImpairmentOutcome(deliveries: [], dropReason: "blackhole")
        }
        var extraDelay: Duration = .zero
        var copies = 1
        var decidingRule: String?
        for index in config.rules.indices where config.rules[index].matches(message, direction: direction) {
            ruleMatches[index] += 1
            let rule = config.rules[index]
            if let nth = rule.nth, nth != ruleMatches[index] { continue }
            decidingRule = rule.text
            switch rule.action {
            case .drop: return ImpairmentOutcome(deliveries: [], dropReason: "rule", rule: rule.text)
            case .duplicate: copies = 2
            case .delay(let by): extraDelay = by
            }
            break
        }
        let stream = direction == .up ? 0 : 1
        let settings = config[direction]
        if settings.isNone {
            var deliveries: [Instant] = []
            for _ in 0..<copies { deliveries.append(now + extraDelay) }
            return ImpairmentOutcome(deliveries: deliveries, rule: decidingRule)
        }
        if settings.loss > 0, streams[stream].nextUnit() < settings.loss {
            return ImpairmentOutcome(deliveries: [], dropReason: "loss", rule: decidingRule)
        }
        if settings.duplicate > 0, streams[stream].nextUnit() < settings.duplicate { copies += 1 }
        var notes: [String] = []
        var deliveries: [Instant] = []
        for _ in 0..<copies {
            var delay = settings.delay + extraDelay
            if settings.jitter > .zero {
                let spread = Double(settings.jitter.nanoseconds) * (2 * streams[stream].nextUnit() - 1)
                delay = .nanoseconds(max(0, delay.nanoseconds + Int64(spread)))
            }
            if settings.reorder > 0, streams[stream].nextUnit() < settings.reorder {
                delay += settings.reorderGap
                if !notes.contains("reordered") { notes.append("reordered") }
            }
            deliveries.append(now + delay)
        }
        return ImpairmentOutcome(deliveries: deliveries, rule: decidingRule, notes: notes)
    }
}
