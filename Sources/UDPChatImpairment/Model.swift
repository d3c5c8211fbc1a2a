import UDPChatSupport

/// Which way a datagram travels through a link: `up` is client → target, `down` is the replies.
public enum Direction: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case up, down
    public var description: String { rawValue }
    /// 0 for up, 1 for down (array index for per-direction state).
    @inlinable public var index: Int { self == .up ? 0 : 1 }
}

/// One datagram offered to the engine. The engine never reads a clock: its arrival time is the
/// `now:` passed to `ImpairmentEngine.process(_:now:)`.
public struct Datagram: Hashable, Sendable {
    public var bytes: [UInt8]
    public var direction: Direction
    /// The relay's flow (one per client source address); opaque to the engine, copied to decisions.
    public var flow: UInt64

    public init(bytes: [UInt8], direction: Direction, flow: UInt64 = 0) {
        self.bytes = bytes
        self.direction = direction
        self.flow = flow
    }
}

/// Why a datagram was not delivered.
public enum DropReason: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// A `drop` rule matched.
    case rule
    /// Inside a blackhole window.
    case blackhole
    /// Random or Gilbert-Elliott loss.
    case loss
    /// The rate limiter's queue was full.
    case queueOverflow = "queue-overflow"
    public var description: String { rawValue }
}

/// What happened to a delivered copy on its way (several may apply).
public struct DeliveryNotes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Scheduled later than its arrival (delay, jitter, rule delay or rate limiting).
    public static let delayed = DeliveryNotes(rawValue: 1 << 0)
    /// An extra copy made by `duplicate` (the original copy does not carry this note).
    public static let duplicate = DeliveryNotes(rawValue: 1 << 1)
    /// Held back by `reorder` so that a later datagram overtook it.
    public static let reordered = DeliveryNotes(rawValue: 1 << 2)
    /// One bit of the payload was flipped.
    public static let corrupted = DeliveryNotes(rawValue: 1 << 3)
    /// Cut to the MTU.
    public static let truncated = DeliveryNotes(rawValue: 1 << 4)
    /// Waited in the rate limiter's queue.
    public static let queued = DeliveryNotes(rawValue: 1 << 5)

    /// True when the bytes differ from what arrived (corrupted or truncated).
    public var modified: Bool { !isDisjoint(with: [.corrupted, .truncated]) }

    /// `delayed,duplicate`: stable names for traces.
    public var names: [String] {
        var out: [String] = []
        if contains(.delayed) { out.append("delayed") }
        if contains(.duplicate) { out.append("duplicate") }
        if contains(.reordered) { out.append("reordered") }
        if contains(.corrupted) { out.append("corrupted") }
        if contains(.truncated) { out.append("truncated") }
        if contains(.queued) { out.append("queued") }
        return out
    }
}

/// One copy of a datagram to send at `at`.
public struct Delivery: Hashable, Sendable {
    /// The engine's running number of the datagram this copy came from (0, 1, 2, … per engine).
    public var serial: UInt64
    public var direction: Direction
    public var flow: UInt64
    /// The bytes to send (the arrived bytes unless `notes.modified`).
    public var bytes: [UInt8]
    /// When to send it (≥ the arrival time).
    public var at: Instant
    /// How long after arrival (`at - arrival`).
    public var delay: Duration
    public var notes: DeliveryNotes
    /// Index into `ImpairmentConfig.rules` of the rule that decided, if one did.
    public var rule: Int?
}

/// A datagram that will not be delivered.
public struct Drop: Hashable, Sendable {
    public var serial: UInt64
    public var direction: Direction
    public var flow: UInt64
    public var reason: DropReason
    /// Index into `ImpairmentConfig.rules` when `reason == .rule`.
    public var rule: Int?
}

/// The engine's verdict about (a copy of) a datagram.
public enum Decision: Hashable, Sendable {
    case deliver(Delivery)
    case drop(Drop)

    public var serial: UInt64 {
        switch self {
        case .deliver(let d): d.serial
        case .drop(let d): d.serial
        }
    }
}
