import UDPChatSupport

/// How early a live driver arms its timer so that it is running when a delayed copy is due.
///
/// A timer never wakes its thread exactly on time: the kernel, a virtual machine's timer and the
/// scheduler each add some lateness (tens of µs here, more on a loaded machine), and every
/// delayed copy would carry it. The driver reports each wake-up's lateness (`observe`); the lead
/// is a running mean of it plus a running mean deviation (weights 1/8 and 1/4, as TCP's RTT
/// estimator), capped at `cap`. The driver arms at `deadline - lead` and, when it wakes before
/// the deadline, waits for it without sleeping (yielding to I/O), so copies leave at their
/// deadline, not early. Pure: times are injected; tested without a clock.
public struct WakeLead: Sendable {
    /// The largest lead (and the largest lateness sample taken into account).
    public let cap: Duration
    /// Running mean of the lateness, in nanoseconds.
    public private(set) var mean: Int64 = 0
    /// Running mean absolute deviation of the lateness, in nanoseconds.
    public private(set) var deviation: Int64 = 0
    public private(set) var samples = 0

    /// The default cap: a waiting driver spends at most this long per wake-up without sleeping.
    public static let defaultCap = Duration.microseconds(200)

    public init(cap: Duration = Self.defaultCap) {
        self.cap = cap
    }

    /// How early to arm the timer now.
    public var lead: Duration {
        .nanoseconds(min(max(mean &+ deviation, 0), cap.nanoseconds))
    }

    /// When to arm the timer for a deadline.
    public func wakeTime(for deadline: Instant) -> Instant { deadline - lead }

    /// A wake-up armed for `armed` ran at `woke`.
    public mutating func observe(armed: Instant, woke: Instant) {
        let late = min(max((woke - armed).nanoseconds, 0), cap.nanoseconds)
        if samples == 0 {
            mean = late
            deviation = late / 2
        } else {
            let error = late &- mean
            mean &+= error / 8
            deviation &+= (abs(error) &- deviation) / 4
        }
        samples &+= 1
    }
}
