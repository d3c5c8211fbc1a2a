#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DequeModule
import UDPChatSupport
import UDPChatWire

/// The pure, deterministic impairment engine: datagrams in, decisions out. No I/O, no clock.
///
/// Order of evaluation for each datagram (docs/PROXY.md):
/// 1. Timeline entries due at `now` are applied (offsets from the origin, the first `now` seen
///    unless given).
/// 2. **Rules**, in order. Every rule whose filters match counts the datagram (that is what
///    `nth=` counts), whether or not another rule acts. The **first** rule whose filters, `nth=`
///    and `p=` all hold **decides alone**: its action replaces steps 3–7 for this datagram.
/// 3. Blackhole windows → drop `blackhole`.
/// 4. Loss (random with correlation, Gilbert-Elliott or netem's 4-state model) → drop `loss`.
/// 5. Corrupt (flip one random bit), then truncate to the MTU.
/// 6. Duplicate (one extra copy).
/// 7. `limit` / the rate limiter's `queue` (full → drop `queue-overflow`, the whole datagram).
/// 8. Per copy: delay + jitter (FIFO per direction unless jitter may reorder); reorder (the
///    original is held until the next datagram of its direction has been scheduled, at most
///    `hold`; netem's `gap`); rate limit; netem's `slot` (leave at the next slot boundary).
///
/// Every random draw comes from its own `SplitMix64.stream(seed:label:)` — one per impairment
/// and direction (`up/loss`, `down/delay`, …) and one per rule and direction (`rule/2/up`) —
/// so the same seed and the same input sequence give the same decisions, and enabling one
/// impairment never shifts another's draws.
public struct ImpairmentEngine: Sendable {
    /// The configuration as it is now (timeline changes applied).
    public private(set) var config: ImpairmentConfig
    public let seed: UInt64
    /// Time zero of the timeline and of blackhole windows.
    public private(set) var origin: Instant?
    public private(set) var counters = EngineCounters()

    private var timeline: [TimelineEvent]
    private var nextTimeline = 0
    private var serial: UInt64 = 0
    private var directions: [DirectionState]
    /// One stream per rule (parallel to `config.rules`) and direction.
    private var ruleRandom: [[SplitMix64]]
    /// The settings and rules given at start, for `ControlChange.restore`.
    private let startConfig: ImpairmentConfig
    /// Labels new rules' streams (`rule/N/…`): a removed rule's number is never reused.
    private var nextRuleNumber: Int
    private var decodes: Bool
    /// Changes made and not yet taken by `takeControlRecords()`.
    var controlRecords: [ControlRecord] = []

    /// - Parameters:
    ///   - config: impairments, rules and timeline.
    ///   - seed: the seed of every random stream.
    ///   - origin: time zero for the timeline and blackholes; nil = the first `now` processed.
    public init(config: ImpairmentConfig, seed: UInt64, origin: Instant? = nil) {
        self.config = config
        self.seed = seed
        self.origin = origin
        self.timeline = config.timeline.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        self.directions = Direction.allCases.map { DirectionState(seed: seed, direction: $0) }
        self.ruleRandom = config.rules.indices.map { Self.ruleStreams(seed: seed, number: $0) }
        self.startConfig = config
        self.nextRuleNumber = config.rules.count
        self.decodes = config.rules.contains { $0.needsDecoding }
        counters.rules = Array(repeating: RuleCounters(), count: config.rules.count)
    }

    /// Sets time zero (only before the first datagram; later calls are ignored).
    public mutating func start(at origin: Instant) {
        if self.origin == nil { self.origin = origin }
    }

    /// Decides the fate of one datagram arriving at `now`.
    public mutating func process(_ datagram: Datagram, now: Instant) -> [Decision] {
        var out: [Decision] = []
        process(datagram, now: now, into: &out)
        return out
    }

    /// Like `process(_:now:)`, appending to `decisions` (lets a relay reuse one array).
    /// Decisions may include a datagram held back earlier by `reorder` (its own serial).
    public mutating func process(_ datagram: Datagram, now: Instant, into decisions: inout [Decision]) {
        if origin == nil { origin = now }
        advanceTimeline(to: now)
        let d = datagram.direction.index
        let serial = self.serial
        self.serial += 1
        counters[datagram.direction].received += 1
        let start = decisions.count

        // A held datagram whose time is up leaves before this one.
        if let held = directions[d].held, held.deadline <= now { release(direction: d, at: held.deadline, into: &decisions) }
        let wasHolding = directions[d].held != nil

        if !config.rules.isEmpty, let rule = decideRule(datagram, now: now) {
            applyRule(rule, datagram, serial: serial, now: now, into: &decisions)
        } else {
            impair(datagram, serial: serial, now: now, into: &decisions)
        }

        if wasHolding, directions[d].held != nil {
            var latest = now
            for case .deliver(let delivery) in decisions[start...] where delivery.direction == datagram.direction {
                latest = max(latest, delivery.at)
            }
            release(direction: d, at: latest, into: &decisions)
        }
        for case .deliver(let delivery) in decisions[start...] { recordDelay(delivery) }
    }

    /// The earliest time at which `timeout(now:)` has something to do (a held datagram's deadline).
    public var nextTimeout: Instant? {
        let deadlines = directions.compactMap { $0.held?.deadline }
        return deadlines.min()
    }

    /// Releases held datagrams whose deadline has come.
    public mutating func timeout(now: Instant) -> [Decision] {
        var out: [Decision] = []
        for d in directions.indices {
            if let held = directions[d].held, held.deadline <= now { release(direction: d, at: now, into: &out) }
        }
        for case .deliver(let delivery) in out { recordDelay(delivery) }
        return out
    }

    /// Adds a delivered copy's delay to its direction's histogram (in place: no copy).
    private mutating func recordDelay(_ delivery: Delivery) {
        if delivery.direction == .up { counters.up.addedDelay.record(delivery.delay) } else { counters.down.addedDelay.record(delivery.delay) }
    }

    // MARK: - Runtime changes (pure; `apply(_:now:)` is the one public way in)

    /// Replaces one setting in the given directions.
    mutating func applySetting(_ setting: Setting, to directions: [Direction]) {
        config.apply(setting, to: directions)
    }

    /// Appends a rule with its own fresh streams and counters.
    mutating func appendRule(_ rule: Rule) {
        config.rules.append(rule)
        let number = nextRuleNumber
        nextRuleNumber += 1
        ruleRandom.append(Self.ruleStreams(seed: seed, number: number))
        counters.rules.append(RuleCounters())
        decodes = config.rules.contains { $0.needsDecoding }
    }

    /// Removes the rule at `index`; false when there is none.
    mutating func removeRule(at index: Int) -> Bool {
        guard config.rules.indices.contains(index) else { return false }
        config.rules.remove(at: index)
        ruleRandom.remove(at: index)
        counters.rules.remove(at: index)
        decodes = config.rules.contains { $0.needsDecoding }
        return true
    }

    /// Back to the settings and rules given at start (toxiproxy's reset): rules' counters and
    /// random streams start again as they did then; the timeline goes on from where it is.
    mutating func restoreStart() {
        config.up = startConfig.up
        config.down = startConfig.down
        config.rules = startConfig.rules
        ruleRandom = startConfig.rules.indices.map { Self.ruleStreams(seed: seed, number: $0) }
        counters.rules = Array(repeating: RuleCounters(), count: startConfig.rules.count)
        decodes = config.rules.contains { $0.needsDecoding }
    }

    /// The random streams of rule number `number` (0-based, never reused), one per direction.
    private static func ruleStreams(seed: UInt64, number: Int) -> [SplitMix64] {
        Direction.allCases.map { SplitMix64.stream(seed: seed, label: "rule/\(number)/\($0.rawValue)") }
    }

    /// Zeroes every counter except `held` (datagrams still held back).
    mutating func resetCounters() {
        var fresh = EngineCounters()
        fresh.up.held = counters.up.held
        fresh.down.held = counters.down.held
        fresh.rules = Array(repeating: RuleCounters(), count: config.rules.count)
        counters = fresh
    }

    /// How many datagrams `process` has seen; the last one's serial is `processed - 1`.
    public var processed: UInt64 { serial }

    /// The rule counters' names (rule texts) in order.
    public var ruleTexts: [String] { config.rules.map(\.text) }

    // MARK: - Steps

    private mutating func advanceTimeline(to now: Instant) {
        guard nextTimeline < timeline.count, let origin else { return }
        let offset = now - origin
        while nextTimeline < timeline.count, timeline[nextTimeline].at <= offset {
            let event = timeline[nextTimeline]
            apply(.set(event.setting, directions: event.directions), now: now)
            nextTimeline += 1
        }
    }

    private mutating func decideRule(_ datagram: Datagram, now: Instant) -> Int? {
        var message: Message?
        if decodes { message = config.reader(datagram.bytes) }
        var winner: Int?
        for i in config.rules.indices {
            let rule = config.rules[i]
            guard rule.matches(direction: datagram.direction, message: message) else { continue }
            counters.rules[i].matched += 1
            guard winner == nil else { continue }
            if let nth = rule.nth, !nth.contains(counters.rules[i].matched) { continue }
            if let p = rule.probability, !(ruleRandom[i][datagram.direction.index].nextUnit() < p) { continue }
            winner = i
        }
        if let winner { counters.rules[winner].acted += 1 }
        return winner
    }

    private mutating func applyRule(_ index: Int, _ datagram: Datagram, serial: UInt64, now: Instant, into out: inout [Decision]) {
        let dir = datagram.direction
        var delivery = Delivery(
            serial: serial, direction: dir, flow: datagram.flow, bytes: datagram.bytes, at: now, delay: .zero, notes: [], rule: index
        )
        switch config.rules[index].action {
        case .drop:
            counters[dir].dropped.rule += 1
            out.append(.drop(Drop(serial: serial, direction: dir, flow: datagram.flow, reason: .rule, rule: index)))
            return
        case .pass:
            break
        case .corrupt:
            if flipBit(&delivery.bytes, random: &ruleRandom[index][dir.index]) {
                delivery.notes.insert(.corrupted)
                counters[dir].corrupted += 1
            }
        case .delay(let value):
            delivery.at = now + value
            delivery.delay = value
            if value > .zero {
                delivery.notes.insert(.delayed)
                counters[dir].delayed += 1
            }
        case .duplicate(let extra):
            counters[dir].delivered += 1
            out.append(.deliver(delivery))
            delivery.notes.insert(.duplicate)
            for _ in 0..<extra { out.append(.deliver(delivery)) }
            counters[dir].duplicated += UInt64(extra)
            return
        }
        counters[dir].delivered += 1
        out.append(.deliver(delivery))
    }

    private mutating func impair(_ datagram: Datagram, serial: UInt64, now: Instant, into out: inout [Decision]) {
        let dir = datagram.direction
        let d = dir.index
        let settings = config[dir]
        func drop(_ reason: DropReason) -> Decision {
            .drop(Drop(serial: serial, direction: dir, flow: datagram.flow, reason: reason, rule: nil))
        }
        if let reason = lostOnTheWay(dir, settings, now: now) {
            out.append(drop(reason))
            return
        }
        var bytes = datagram.bytes
        let notes = damage(&bytes, dir, settings)
        var copies = 1
        if settings.duplicate > 0, directions[d].duplicateChance(settings.duplicate, correlation: settings.duplicateCorrelation) { copies = 2 }
        // netem's limit, or the rate limiter's queue: the whole datagram is refused when full.
        let limited = settings.rate != nil || settings.limit != nil
        if limited {
            directions[d].drainQueue(now: now)
            if directions[d].waiting.count + copies > (settings.limit ?? settings.queue) {
                counters[dir].dropped.queueOverflow += 1
                out.append(drop(.queueOverflow))
                return
            }
        }
        let hold = settings.reorder.map { directions[d].reorderDecision($0) } ?? false
        counters[dir].delivered += 1
        for copy in 0..<copies {
            let delivery = Delivery(serial: serial, direction: dir, flow: datagram.flow, bytes: bytes, at: now, delay: .zero,
                                    notes: copy == 0 ? notes : notes.union(.duplicate), rule: nil)
            if let scheduled = schedule(delivery, copy: copy, held: copy == 0 && hold, limited: limited, settings, now: now) {
                out.append(.deliver(scheduled))
            }
        }
    }

    /// A blackhole window, then loss: why the datagram is lost before anything else touches it
    /// (counted), or nil.
    private mutating func lostOnTheWay(_ dir: Direction, _ settings: ImpairmentSettings, now: Instant) -> DropReason? {
        if !settings.blackholes.isEmpty, let origin, settings.blackholes.contains(where: { $0.contains(now - origin) }) {
            counters[dir].dropped.blackhole += 1
            return .blackhole
        }
        if let loss = settings.loss, directions[dir.index].lose(loss) {
            counters[dir].dropped.loss += 1
            return .loss
        }
        return nil
    }

    /// Corruption (one bit flipped) and the MTU's cut, counted: the notes they leave on every copy.
    private mutating func damage(_ bytes: inout [UInt8], _ dir: Direction, _ settings: ImpairmentSettings) -> DeliveryNotes {
        let d = dir.index
        var notes: DeliveryNotes = []
        if settings.corrupt > 0, directions[d].corruptChance(settings.corrupt, correlation: settings.corruptCorrelation),
           flipBit(&bytes, random: &directions[d].corruptRandom) {
            notes.insert(.corrupted)
            counters[dir].corrupted += 1
        }
        if let mtu = settings.mtu, bytes.count > mtu {
            bytes.removeLast(bytes.count - mtu)
            notes.insert(.truncated)
            counters[dir].truncated += 1
        }
        return notes
    }

    /// When one copy leaves: delay and jitter, then the rate and the slot. The first copy that reorder
    /// holds back (`held`) is kept for `release` instead (nil). Counted.
    private mutating func schedule(_ copy: Delivery, copy index: Int, held: Bool, limited: Bool, _ settings: ImpairmentSettings,
                                   now: Instant) -> Delivery? {
        let dir = copy.direction
        let d = dir.index
        var delivery = copy
        var delay = settings.delay
        if settings.jitter > .zero {
            delay += directions[d].sampleJitter(settings.jitter, settings.distribution, correlation: settings.delayCorrelation)
            if delay < .zero { delay = .zero }
        }
        var at = now + delay
        if !settings.jitterReorders { at = max(at, directions[d].lastScheduled) }
        if held, let reorder = settings.reorder {
            delivery.at = at
            directions[d].held = Held(delivery: delivery, deadline: max(at, now + reorder.hold))
            counters[dir].held += 1
            return nil
        }
        if let rate = settings.rate {
            let transmit = Duration.nanoseconds(Int64((Double(delivery.bytes.count * 8) / rate * 1e9).rounded()))
            let begin = max(at, directions[d].busyUntil)
            if begin > at { delivery.notes.insert(.queued) }
            at = begin + transmit
            directions[d].busyUntil = at
        }
        if let slot = settings.slot {
            at = directions[d].slotRelease(ready: at, size: delivery.bytes.count, slot: slot)
        }
        if limited { directions[d].wait(until: at) }
        if !settings.jitterReorders { directions[d].lastScheduled = max(directions[d].lastScheduled, at) }
        delivery.at = at
        delivery.delay = at - now
        if delivery.delay > .zero {
            delivery.notes.insert(.delayed)
            if index == 0 { counters[dir].delayed += 1 }
        }
        if index > 0 { counters[dir].duplicated += 1 }
        return delivery
    }

    private mutating func release(direction d: Int, at time: Instant, into out: inout [Decision]) {
        guard var held = directions[d].held?.delivery else { return }
        directions[d].held = nil
        let dir = held.direction
        counters[dir].held -= 1
        counters[dir].reordered += 1
        let arrival = held.at - held.delay
        held.at = max(time, held.at)
        directions[d].lastScheduled = max(directions[d].lastScheduled, held.at)
        held.delay = held.at - arrival
        held.notes.insert(.reordered)
        if held.delay > .zero { held.notes.insert(.delayed) }
        out.append(.deliver(held))
    }
}

/// A datagram held back by `reorder`.
struct Held: Sendable {
    var delivery: Delivery
    var deadline: Instant
}

/// Per-direction random streams and state.
struct DirectionState: Sendable {
    var lossRandom: SplitMix64
    var delayRandom: SplitMix64
    var duplicateRandom: SplitMix64
    var corruptRandom: SplitMix64
    var reorderRandom: SplitMix64
    var slotRandom: SplitMix64
    /// netem's correlated draws (`get_crandom`): the previous value of each.
    var delayLast: Double?
    var duplicateLast: Double?
    var corruptLast: Double?
    var reorderLast: Double?
    /// Datagrams since the last reordered one (netem's `counter`, for `gap`).
    var sinceReorder = 0
    var lastLost = false
    var badState = false
    /// The 4-state model's state, 1 … 4 (netem's TX_IN_GAP … LOST_IN_GAP).
    var lossState = 1
    var lastScheduled = Instant(nanoseconds: .min)
    var busyUntil = Instant(nanoseconds: .min)
    /// When each copy scheduled in the future leaves, ascending (for `limit` and `queue`).
    var waiting = Deque<Instant>()
    /// The next slot boundary and what it may still carry.
    var slotNext: Instant?
    var slotPackets = 0
    var slotBytes = 0
    var held: Held?

    init(seed: UInt64, direction: Direction) {
        let name = direction.rawValue
        lossRandom = .stream(seed: seed, label: "\(name)/loss")
        delayRandom = .stream(seed: seed, label: "\(name)/delay")
        duplicateRandom = .stream(seed: seed, label: "\(name)/duplicate")
        corruptRandom = .stream(seed: seed, label: "\(name)/corrupt")
        reorderRandom = .stream(seed: seed, label: "\(name)/reorder")
        slotRandom = .stream(seed: seed, label: "\(name)/slot")
    }

    /// netem's correlated uniform: (1 − ρ)·U + ρ·last (exactly `get_crandom`); U when ρ = 0.
    static func correlated(_ random: inout SplitMix64, _ rho: Double, last: inout Double?) -> Double {
        guard rho > 0 else { return random.nextUnit() }
        let previous = last ?? random.nextUnit()
        let value = (1 - rho) * random.nextUnit() + rho * previous
        last = value
        return value
    }

    mutating func duplicateChance(_ p: Double, correlation: Double) -> Bool {
        Self.correlated(&duplicateRandom, correlation, last: &duplicateLast) < p
    }

    mutating func corruptChance(_ p: Double, correlation: Double) -> Bool {
        Self.correlated(&corruptRandom, correlation, last: &corruptLast) < p
    }

    /// netem's reorder decision with `gap`: a candidate only after gap − 1 datagrams that were
    /// not reordered; one datagram is held at a time.
    mutating func reorderDecision(_ spec: ReorderSpec) -> Bool {
        if held == nil, sinceReorder >= spec.gap - 1,
           Self.correlated(&reorderRandom, spec.correlation, last: &reorderLast) < spec.probability {
            sinceReorder = 0
            return true
        }
        sinceReorder += 1
        return false
    }

    /// When a copy ready at `ready` leaves under netem's `slot`.
    mutating func slotRelease(ready: Instant, size: Int, slot: SlotSpec) -> Instant {
        if slotNext.map({ $0 < ready }) ?? true { openSlot(at: ready, slot) }
        let release = slotNext!
        slotPackets -= 1
        slotBytes -= size
        if slotPackets <= 0 || slotBytes <= 0 { openSlot(at: release, slot) }
        return release
    }

    private mutating func openSlot(at time: Instant, _ slot: SlotSpec) {
        var length = slot.min
        if slot.max > slot.min {
            let span = Double((slot.max - slot.min).nanoseconds)
            length += .nanoseconds(Int64((slotRandom.nextUnit() * span).rounded(.down)))
        }
        slotNext = time + length
        slotPackets = slot.packets ?? .max
        slotBytes = slot.bytes ?? .max
    }

    /// Counts a copy as waiting until `time` (kept sorted; jitter may schedule out of order).
    mutating func wait(until time: Instant) {
        var index = waiting.count
        while index > 0, waiting[index - 1] > time { index -= 1 }
        waiting.insert(time, at: index)
    }

    mutating func lose(_ model: LossModel) -> Bool {
        switch model {
        case .random(let p, let correlation):
            if correlation > 0, lossRandom.nextUnit() < correlation { return lastLost }
            lastLost = lossRandom.nextUnit() < p
            return lastLost
        case .gilbertElliott(let p, let r, let h, let k):
            if badState {
                if lossRandom.nextUnit() < r { badState = false }
            } else {
                if lossRandom.nextUnit() < p { badState = true }
            }
            let deliverProbability = badState ? h : k
            if deliverProbability >= 1 { return false }
            if deliverProbability <= 0 { return true }
            return !(lossRandom.nextUnit() < deliverProbability)
        case .fourState(let p13, let p31, let p32, let p23, let p14):
            let u = lossRandom.nextUnit()
            switch lossState {
            case 1: lossState = u < p14 ? 4 : u < p14 + p13 ? 3 : 1
            case 2: lossState = u < p23 ? 3 : 2
            case 3: lossState = u < p32 ? 2 : u < p32 + p31 ? 1 : 3
            default: lossState = 1
            }
            return lossState >= 3
        }
    }

    mutating func sampleJitter(_ jitter: Duration, _ distribution: DelayDistribution, correlation: Double = 0) -> Duration {
        let j = Double(jitter.nanoseconds)
        let value: Double
        if correlation > 0 {
            // netem's way: one correlated uniform draw through the distribution's inverse CDF.
            let u = Self.correlated(&delayRandom, correlation, last: &delayLast)
            switch distribution {
            case .uniform: value = (2 * u - 1) * j
            case .normal: value = inverseNormal(min(max(u, 1e-12), 1 - 1e-12)) * j
            case .pareto: value = (pow(1 - u, -1.0 / 3.0) - 1) * j
            }
            return .nanoseconds(Int64(value.rounded()))
        }
        switch distribution {
        case .uniform:
            value = (2 * delayRandom.nextUnit() - 1) * j
        case .normal:
            let u1 = max(delayRandom.nextUnit(), 1e-300)
            let u2 = delayRandom.nextUnit()
            value = sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2) * j
        case .pareto:
            let u = delayRandom.nextUnit()
            value = (pow(1 - u, -1.0 / 3.0) - 1) * j
        }
        return .nanoseconds(Int64(value.rounded()))
    }

    mutating func drainQueue(now: Instant) {
        while let first = waiting.first, first <= now { waiting.removeFirst() }
    }
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
func inverseNormal(_ p: Double) -> Double {
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    if p < low {
        let q = sqrt(-2 * log(p))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p > 1 - low {
        let q = sqrt(-2 * log(1 - p))
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    let q = p - 0.5
    let r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
}

/// Flips one random bit; false when there is nothing to flip.
func flipBit(_ bytes: inout [UInt8], random: inout SplitMix64) -> Bool {
    guard !bytes.isEmpty else { return false }
    let bit = Int(random.next() % UInt64(bytes.count * 8))
    bytes[bit / 8] ^= UInt8(1 << (bit % 8))
    return true
}
