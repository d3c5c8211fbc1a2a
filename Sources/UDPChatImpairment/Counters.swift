/// What the engine did in one direction. The books balance:
/// `received == delivered + dropped.total + held`.
public struct DirectionCounters: Hashable, Sendable {
    public var received: UInt64 = 0
    /// Datagrams with at least one copy scheduled for delivery.
    public var delivered: UInt64 = 0
    /// Extra copies made by `duplicate` (impairment or rule).
    public var duplicated: UInt64 = 0
    public var delayed: UInt64 = 0
    public var reordered: UInt64 = 0
    public var corrupted: UInt64 = 0
    public var truncated: UInt64 = 0
    /// Held back by `reorder` right now, waiting for a datagram to overtake them.
    public var held: UInt64 = 0
    public var dropped = DropCounters()
    /// The delay added to every delivered copy.
    public var addedDelay = DelayHistogram()

    public init() {}
}

/// Counts of added delays in fixed buckets (Prometheus-style: `counts[i]` holds the values
/// ≤ `bounds[i]` and above the previous bound; the last count is everything above), with the sum.
/// Stored inline (no array), so counters stay plain values on the datagram path.
public struct DelayHistogram: Hashable, Sendable {
    /// Upper bounds: 0, 100 µs, 500 µs, 1 ms, 5 ms, 10 ms, 50 ms, 100 ms, 500 ms, 1 s, 5 s.
    public static let bounds: [Duration] = [
        .zero, .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    private static let boundNanoseconds: [Int64] = bounds.map(\.nanoseconds)
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    public private(set) var count: UInt64 = 0
    public private(set) var sum: Duration = .zero

    public init() {}

    /// Per bucket (not cumulative), `bounds.count + 1` values.
    public var counts: [UInt64] { withUnsafeBytes(of: storage) { Array($0.bindMemory(to: UInt64.self)) } }

    public mutating func record(_ delay: Duration) {
        let ns = delay.nanoseconds
        var i = 0
        while i < Self.boundNanoseconds.count, ns > Self.boundNanoseconds[i] { i += 1 }
        withUnsafeMutableBytes(of: &storage) { $0.bindMemory(to: UInt64.self)[i] += 1 }
        count += 1
        sum += delay
    }

    public static func == (a: DelayHistogram, b: DelayHistogram) -> Bool {
        a.count == b.count && a.sum == b.sum && a.counts == b.counts
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        hasher.combine(counts)
    }
}

/// Drops by reason.
public struct DropCounters: Hashable, Sendable {
    public var rule: UInt64 = 0
    public var blackhole: UInt64 = 0
    public var loss: UInt64 = 0
    public var queueOverflow: UInt64 = 0

    public init() {}

    public var total: UInt64 { rule + blackhole + loss + queueOverflow }

    public subscript(reason: DropReason) -> UInt64 {
        get {
            switch reason {
            case .rule: rule
            case .blackhole: blackhole
            case .loss: loss
            case .queueOverflow: queueOverflow
            }
        }
        set {
            switch reason {
            case .rule: rule = newValue
            case .blackhole: blackhole = newValue
            case .loss: loss = newValue
            case .queueOverflow: queueOverflow = newValue
            }
        }
    }
}

/// Per rule: how many datagrams matched its filters and how many it acted on.
public struct RuleCounters: Hashable, Sendable {
    public var matched: UInt64 = 0
    public var acted: UInt64 = 0
    public init(matched: UInt64 = 0, acted: UInt64 = 0) {
        self.matched = matched
        self.acted = acted
    }
}

/// All of the engine's counters.
public struct EngineCounters: Hashable, Sendable {
    public var up = DirectionCounters()
    public var down = DirectionCounters()
    public var rules: [RuleCounters] = []

    public init() {}

    public subscript(direction: Direction) -> DirectionCounters {
        get { direction == .up ? up : down }
        set { if direction == .up { up = newValue } else { down = newValue } }
    }
}
