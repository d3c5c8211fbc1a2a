import UDPChatSupport

/// A change to a running engine. Scenario timelines and the proxy's live control API both go
/// through `ImpairmentEngine.apply(_:now:)`, which makes the change and records it as a
/// `ControlRecord`, so the same change gives the same trace line whichever path made it.
public enum ControlChange: Hashable, Sendable {
    /// One setting for the given directions (a timeline entry, or one key of a PATCH).
    case set(Setting, directions: [Direction])
    /// Appends a rule (checked after the existing ones).
    case addRule(Rule)
    /// Removes the rule at this index (0-based; the API and the trace say N = index + 1).
    case removeRule(Int)
    /// Zeroes the counters (rules' `nth=` counting starts again too).
    case resetCounters
    /// Back to the settings and rules given at start (toxiproxy's reset; counters are kept).
    case restore
}

/// A change as it was made, for the trace.
public struct ControlRecord: Hashable, Sendable {
    public var time: Instant
    public var change: ControlChange

    public init(time: Instant, change: ControlChange) {
        self.time = time
        self.change = change
    }

    /// One JSON object, no newline, in the proxy trace's shape: `t`, `link`, then
    /// `"control":"set","dir":["up"],"set":{"loss":"100%"}`, `"control":"add-rule","rule":"…"`,
    /// `"control":"remove-rule","rule":N` (1-based), `"control":"reset"` (counters) or
    /// `"control":"restore"` (the start configuration).
    public func jsonLine(link: String) -> String {
        var s = "{\"t\":" + JSON.seconds(time) + ",\"link\":" + JSON.string(link)
        switch change {
        case .set(let setting, let directions):
            s += ",\"control\":\"set\",\"dir\":[" + directions.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
            s += ",\"set\":{" + JSON.string(setting.key) + ":" + JSON.string(setting.valueText) + "}"
        case .addRule(let rule):
            s += ",\"control\":\"add-rule\",\"rule\":" + JSON.string(rule.text)
        case .removeRule(let index):
            s += ",\"control\":\"remove-rule\",\"rule\":\(index + 1)"
        case .resetCounters:
            s += ",\"control\":\"reset\""
        case .restore:
            s += ",\"control\":\"restore\""
        }
        return s + "}"
    }
}

extension ImpairmentEngine {
    /// Makes a change now and records it (see `takeControlRecords()`). Returns false, changing
    /// nothing, when a rule index does not exist.
    @discardableResult
    public mutating func apply(_ change: ControlChange, now: Instant) -> Bool {
        switch change {
        case .set(let setting, let directions):
            applySetting(setting, to: directions)
        case .addRule(let rule):
            appendRule(rule)
        case .removeRule(let index):
            guard removeRule(at: index) else { return false }
        case .resetCounters:
            resetCounters()
        case .restore:
            restoreStart()
        }
        controlRecords.append(ControlRecord(time: now, change: change))
        return true
    }

    /// The changes made since the last call, oldest first (the relay writes them to its trace).
    public mutating func takeControlRecords() -> [ControlRecord] {
        defer { controlRecords.removeAll() }
        return controlRecords
    }

    /// True when changes wait in `takeControlRecords()`.
    public var hasControlRecords: Bool { !controlRecords.isEmpty }
}

extension Setting {
    /// The key as written in `--config`, on the command line (without `--`) and in the API.
    public var key: String {
        switch self {
        case .loss: "loss"
        case .delay: "delay"
        case .jitter: "jitter"
        case .distribution: "distribution"
        case .jitterReorders: "jitter-reorder"
        case .duplicate: "duplicate"
        case .reorder: "reorder"
        case .corrupt: "corrupt"
        case .mtu: "mtu"
        case .rate: "rate"
        case .queue: "queue"
        case .limit: "limit"
        case .slot: "slot"
        case .blackhole, .clearBlackholes: "blackhole"
        }
    }

    /// The value in the vocabulary `parse(key:value:)` reads back to the same setting.
    public var valueText: String {
        switch self {
        case .loss(let model): model?.description ?? "off"
        case .delay(let d): d.compactDescription
        case .jitter(let d, let c): c > 0 ? "\(d.compactDescription),corr=\(pct(c))" : d.compactDescription
        case .distribution(let d): d.rawValue
        case .jitterReorders(let b): b ? "true" : "false"
        case .duplicate(let p, let c), .corrupt(let p, let c): c > 0 ? "\(pct(p)),corr=\(pct(c))" : pct(p)
        case .reorder(let spec): spec?.description ?? "off"
        case .mtu(let n): n.map(String.init) ?? "off"
        case .rate(let r): r.map { "\(Int($0))bit" } ?? "off"
        case .queue(let n): String(n)
        case .limit(let n): n.map(String.init) ?? "off"
        case .slot(let s): s?.description ?? "off"
        case .blackhole(let w): w.description
        case .clearBlackholes: "off"
        }
    }
}

extension ImpairmentSettings {
    /// The settings that differ from the defaults, as `key → value` in the vocabulary
    /// (what `GET /links` shows per direction).
    public var nonDefault: [(key: String, value: String)] {
        let d = ImpairmentSettings()
        var out: [(String, String)] = []
        func add(_ s: Setting) { out.append((s.key, s.valueText)) }
        if loss != d.loss { add(.loss(loss)) }
        if delay != d.delay { add(.delay(delay)) }
        if jitter != d.jitter || delayCorrelation != d.delayCorrelation { add(.jitter(jitter, correlation: delayCorrelation)) }
        if distribution != d.distribution { add(.distribution(distribution)) }
        if jitterReorders != d.jitterReorders { add(.jitterReorders(jitterReorders)) }
        if duplicate != d.duplicate { add(.duplicate(duplicate, correlation: duplicateCorrelation)) }
        if reorder != d.reorder { add(.reorder(reorder)) }
        if corrupt != d.corrupt { add(.corrupt(corrupt, correlation: corruptCorrelation)) }
        if mtu != d.mtu { add(.mtu(mtu)) }
        if rate != d.rate { add(.rate(rate)) }
        if queue != d.queue { add(.queue(queue)) }
        if limit != d.limit { add(.limit(limit)) }
        if slot != d.slot { add(.slot(slot)) }
        if !blackholes.isEmpty { out.append(("blackhole", blackholes.map(\.description).joined(separator: " "))) }
        return out
    }
}
