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

    public init() {}
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
