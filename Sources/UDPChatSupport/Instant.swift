/// A point in time on an injected clock: nanoseconds since an arbitrary origin.
///
/// The sans-I/O state machines never read a clock; every event carries `now: Instant`.
/// The NIO runtime derives it from `NIODeadline.now()`, the simulator from its virtual clock.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    public static func - (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var description: String { Duration.nanoseconds(nanoseconds).compactDescription }
}

extension Duration {
    /// Whole nanoseconds (saturating for durations beyond ±292 years).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product &+ attoseconds / 1_000_000_000
    }

    /// Seconds as a floating-point number.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// `1.5s`, `250ms`, `40µs`: short and human.
    public var compactDescription: String {
        let ns = nanoseconds
        let magnitude = ns.magnitude
        if magnitude >= 1_000_000_000 { return Self.trim(Double(ns) / 1e9) + "s" }
        if magnitude >= 1_000_000 { return Self.trim(Double(ns) / 1e6) + "ms" }
        if magnitude >= 1_000 { return Self.trim(Double(ns) / 1e3) + "µs" }
        return "\(ns)ns"
    }

    private static func trim(_ value: Double) -> String {
        var text = String((value * 1000).rounded() / 1000)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
