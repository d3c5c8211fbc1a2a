import UDPChatSupport

/// A live driver's one timer for its `RelayCore`, armed early so that delayed copies leave at
/// their deadline: the OS timer is set `WakeLead.lead` before the deadline the core asked for
/// (`.armTimer`); a wake-up before the deadline asks the driver to check again without sleeping
/// (`.poll`: a check queued behind the I/O already pending, so reads go on meanwhile), and the
/// core's `timerFired` is called (`.fire`) once the deadline is within `batch`. Never earlier.
/// Pure: time is injected, the driver carries out the actions.
public struct ReleaseTimer: Sendable {
    public enum Action: Equatable, Sendable {
        /// Nothing to do.
        case none
        /// Set the OS timer for this time, replacing (cancelling) any earlier setting.
        case schedule(Instant)
        /// Cancel any OS timer, and call `check(now:)` again soon, without sleeping.
        case poll
        /// The deadline has come: call `RelayCore.timerFired`.
        case fire
    }

    /// The deadline the core asked for (nil: none).
    public private(set) var deadline: Instant?
    /// What the OS timer is set for (nil: not set).
    public private(set) var scheduled: Instant?
    public private(set) var lead: WakeLead
    /// `.fire` comes this much before the deadline at most (the core's release batch).
    public let batch: Duration

    public init(lead: WakeLead = WakeLead(), batch: Duration = .zero) {
        self.lead = lead
        self.batch = batch
    }

    /// The core asked for a wake-up at `at` (`.armTimer`). Never `.fire`: the driver may be in
    /// the middle of carrying out the core's effects.
    public mutating func arm(_ at: Instant, now: Instant) -> Action {
        if let deadline, deadline <= at { return .none }
        deadline = at
        let wake = lead.wakeTime(for: at)
        guard wake > now else {
            scheduled = nil
            return .poll
        }
        scheduled = wake
        return .schedule(wake)
    }

    /// The OS timer ran at `now` (it learns how late).
    public mutating func woke(now: Instant) -> Action {
        guard let armed = scheduled else { return .none }
        scheduled = nil
        lead.observe(armed: armed, woke: now)
        return check(now: now)
    }

    /// A check queued after `.poll` ran at `now`.
    public mutating func check(now: Instant) -> Action {
        guard let deadline, scheduled == nil else { return .none }
        guard now + batch >= deadline else { return .poll }
        self.deadline = nil
        return .fire
    }

    /// Forget the deadline (the driver stops).
    public mutating func cancel() {
        deadline = nil
        scheduled = nil
    }
}
