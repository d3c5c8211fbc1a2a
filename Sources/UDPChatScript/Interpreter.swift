import UDPChatSupport

/// The one interpreter of party scripts, sans-I/O: a value that is told what each party has shown
/// (`shown`, `closed`) and asked, with the time, what a party does next (`next`). It never does
/// anything itself: the simulator calls it from its event loop on the virtual clock, the live
/// backend from an async loop on the real clock, and both run the actions it returns.
public struct ScriptInterpreter: Sendable {
    /// What a party does next.
    public enum Action: Hashable, Sendable {
        /// Type this command at the party's console (the step is already passed).
        case command(ScriptCommand)
        /// Send this raw datagram (placeholders not yet filled) from the party to a party's
        /// reachable address (the step is already passed).
        case raw(to: String, text: String)
        /// A sleep began: call `wake` at this time (as a timer fires), then ask again.
        case sleep(until: Instant)
        /// Waiting: for a line, a sleep already announced, or (a closed client) forever.
        case blocked
        /// The script is finished.
        case done
    }

    /// One party's script and what it has shown so far.
    public struct Party: Sendable {
        public let name: String
        public let steps: [ScriptStep]
        /// Clients run commands; strangers skip them.
        public let isClient: Bool
        /// The current step.
        public fileprivate(set) var pc = 0
        /// Every line the party has shown, in order.
        public fileprivate(set) var lines: [String] = []
        /// The client closed its socket: its next command never runs.
        public fileprivate(set) var closed = false
        /// When the current sleep ends.
        public fileprivate(set) var wakeAt: Instant?
        /// Just after the line the last `waitFor` matched.
        fileprivate var cursor = 0
        /// Lines already searched by the current wait step (no quadratic rescans).
        fileprivate var scanned = 0

        public init(name: String, steps: [ScriptStep], isClient: Bool) {
            self.name = name
            self.steps = steps
            self.isClient = isClient
        }

        public var done: Bool { pc >= steps.count }
    }

    public private(set) var parties: [Party]
    /// Resolves `rto`-relative sleeps.
    public let rto: Duration
    private let indexByName: [String: Int]
    /// Parties blocked on another party's line: ask them again whenever anyone shows a line.
    public private(set) var crossWaiters: Set<Int> = []

    public init(parties: [Party], rto: Duration) {
        self.parties = parties
        self.rto = rto
        var index: [String: Int] = [:]
        for (position, party) in parties.enumerated() where index[party.name] == nil { index[party.name] = position }
        indexByName = index
    }

    /// The index of a party by name.
    public func index(of name: String) -> Int? { indexByName[name] }

    public var allDone: Bool { parties.allSatisfy(\.done) }

    /// The earliest time a sleeping party wakes.
    public var nextWake: Instant? { parties.lazy.compactMap(\.wakeAt).min() }

    /// Unfinished scripts: party name → "step N: the step".
    public var stuck: [String: String] {
        var stuck: [String: String] = [:]
        for party in parties where !party.done { stuck[party.name] = "step \(party.pc + 1): \(party.steps[party.pc])" }
        return stuck
    }

    /// The party showed a line on its console.
    public mutating func shown(_ line: String, by party: Int) {
        parties[party].lines.append(line)
    }

    /// The party's client closed its socket.
    public mutating func closed(_ party: Int) {
        parties[party].closed = true
    }

    /// The party's sleep is over (its timer fired): the sleep step is passed.
    public mutating func wake(_ party: Int) {
        guard parties[party].wakeAt != nil else { return }
        parties[party].wakeAt = nil
        parties[party].pc += 1
    }

    /// Advances the party's script as far as it can go without acting, and returns what it does next.
    public mutating func next(_ party: Int, now: Instant) -> Action {
        while !parties[party].done {
            let step = parties[party].steps[parties[party].pc]
            switch step {
            case .command(let command):
                guard parties[party].isClient else { parties[party].pc += 1; continue }
                guard !parties[party].closed else { return .blocked }
                parties[party].pc += 1
                return .command(command)
            case .waitFor(let text):
                let lines = parties[party].lines
                var index = max(parties[party].cursor, parties[party].scanned)
                var found: Int?
                while index < lines.count {
                    if lines[index].containsBytes(text) { found = index; break }
                    index += 1
                }
                guard let found else {
                    parties[party].scanned = lines.count
                    return .blocked
                }
                parties[party].cursor = found + 1
                parties[party].scanned = 0
                parties[party].pc += 1
            case .waitForParty(let other, let text):
                guard let target = indexByName[other] else { return .blocked }
                let lines = parties[target].lines
                var index = parties[party].scanned
                var found = false
                while index < lines.count {
                    if lines[index].containsBytes(text) { found = true; break }
                    index += 1
                }
                guard found else {
                    parties[party].scanned = lines.count
                    crossWaiters.insert(party)
                    return .blocked
                }
                crossWaiters.remove(party)
                parties[party].scanned = 0
                parties[party].pc += 1
            case .sleep(let duration):
                guard parties[party].wakeAt == nil else { return .blocked }
                let wakeAt = now + duration.resolved(rto: rto)
                parties[party].wakeAt = wakeAt
                return .sleep(until: wakeAt)
            case .raw(let to, let text):
                parties[party].pc += 1
                return .raw(to: to, text: text)
            }
        }
        return .done
    }
}
