import UDPChatSupport

/// A change on the timeline: at `at` after the engine's origin, apply `setting` to `directions`.
public struct TimelineEvent: Hashable, Sendable {
    public var at: Duration
    public var directions: [Direction]
    public var setting: Setting

    public init(at: Duration, directions: [Direction] = Direction.allCases, setting: Setting) {
        self.at = at
        self.directions = directions
        self.setting = setting
    }
}

/// Everything the engine does to one link: per-direction impairments, rules, a timeline.
public struct ImpairmentConfig: Hashable, Sendable {
    public var up = ImpairmentSettings()
    public var down = ImpairmentSettings()
    /// Checked in order; see `ImpairmentEngine` for how they combine.
    public var rules: [Rule] = []
    public var timeline: [TimelineEvent] = []
    /// How rules read datagrams (a dialect's reader; the contract's codec by default).
    public var reader: MessageReader = .contract

    public init() {}

    public subscript(direction: Direction) -> ImpairmentSettings {
        get { direction == .up ? up : down }
        set { if direction == .up { up = newValue } else { down = newValue } }
    }

    /// Applies a setting to the given directions.
    public mutating func apply(_ setting: Setting, to directions: [Direction] = Direction.allCases) {
        for d in directions { self[d].apply(setting) }
    }

    /// Parses a command-line style value with an optional direction prefix: `10%` (both),
    /// `up:10%`, `down:50ms`, and applies it.
    public mutating func apply(key: String, directionalValue: String) throws(ImpairmentParseError) {
        let (directions, value) = Self.splitDirection(directionalValue)
        apply(try Setting.parse(key: key, value: value), to: directions)
    }

    /// `up:10%` → ([.up], "10%"); `10%` → ([.up, .down], "10%").
    public static func splitDirection(_ text: String) -> ([Direction], String) {
        for d in Direction.allCases where text.hasPrefix(d.rawValue + ":") {
            return ([d], String(text.dropFirst(d.rawValue.count + 1)))
        }
        return (Direction.allCases, text)
    }

    /// True when no datagram can ever be touched (no impairment, rule or timeline).
    public var isPassthrough: Bool { up.isPassthrough && down.isPassthrough && rules.isEmpty && timeline.isEmpty }
}
