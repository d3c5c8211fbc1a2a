import UDPChatCore
import UDPChatImpairment
import UDPChatScript
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// Swarm testing: random topologies and impairments over the reference chat, in simulation,
/// checking the protocol's invariants. Each seed fixes everything, so a failure is reproduced by
/// its seed alone.
public enum Swarm {
    /// One seed's randomly chosen world.
    public struct World: Sendable {
        public var setup: SimSetup
        public var aliceTexts: [String]
        public var bobTexts: [String]
        public var withCarol: Bool
        /// One line per choice, for reports.
        public var summary: [String]
    }

    /// The outcome of one seed.
    public struct Outcome: Sendable {
        public var seed: UInt64
        public var violations: [String]
        public var events: Int
        public var passed: Bool { violations.isEmpty }
    }

    static func pick(_ random: inout SplitMix64, _ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    static func chance(_ random: inout SplitMix64, _ p: Double) -> Bool { random.nextUnit() < p }

    /// Random per-direction impairments in the proxy's vocabulary (loss stays ≤ 15 % so a run ends).
    static func impairment(_ random: inout SplitMix64, rto: Duration, notes: inout [String], name: String) -> ImpairmentConfig {
        var config = ImpairmentConfig()
        for direction in Direction.allCases {
            var settings = ImpairmentSettings()
            var words: [String] = []
            if chance(&random, 0.7) {
                let p = Double(pick(&random, 1...15)) / 100
                if chance(&random, 0.2) {
                    settings.loss = .gilbertElliott(p: p / 3, r: 0.5, h: 0, k: 1)
                    words.append("loss ge:p=\(pct(p / 3)),r=50%")
                } else {
                    settings.loss = .random(probability: p, correlation: 0)
                    words.append("loss \(pct(p))")
                }
            }
            if chance(&random, 0.5) {
                settings.duplicate = Double(pick(&random, 1...25)) / 100
                words.append("duplicate \(pct(settings.duplicate))")
            }
            if chance(&random, 0.5) {
                settings.reorder = ReorderSpec(probability: Double(pick(&random, 1...30)) / 100, hold: .milliseconds(pick(&random, 5...200)))
                words.append("reorder \(pct(settings.reorder!.probability)),hold=\(settings.reorder!.hold.compactDescription)")
            }
            if chance(&random, 0.4) {
                settings.delay = .milliseconds(pick(&random, 1...80))
                settings.jitter = .milliseconds(pick(&random, 0...40))
                settings.jitterReorders = chance(&random, 0.5)
                words.append("delay \(settings.delay.compactDescription)±\(settings.jitter.compactDescription)\(settings.jitterReorders ? " (may reorder)" : "")")
            }
            if chance(&random, 0.15) {
                let window = TimeWindow(start: .milliseconds(pick(&random, 0...60_000)), length: .milliseconds(pick(&random, 500...25_000)))
                settings.blackholes.append(window)
                words.append("blackhole \(window)")
            }
            config[direction] = settings
            if !words.isEmpty { notes.append("\(name) \(direction): " + words.joined(separator: ", ")) }
        }
        return config
    }

    static func pct(_ value: Double) -> String {
        let text = String((value * 1000).rounded() / 10)
        return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + "%"
    }

    /// The swarm server's registration expiry: four refresh periods (a registration survives
    /// three lost refreshes in a row).
    public static let expiry = ProtocolDefaults.refreshEvery * 4
    /// Longest a datagram can spend crossing the swarm's network (latencies, the largest delay,
    /// jitter and reorder hold it draws, with margin): a REGISTER sent before a LEAVE can reach
    /// the server at most this long after it.
    public static let maxTransit = Duration.seconds(1)

    /// The world of one seed.
    public static func world(seed: UInt64) -> World {
        var random = SplitMix64.stream(seed: seed, label: "swarm")
        let rto = ProtocolDefaults.rto
        var notes: [String] = []
        let aliceCount = pick(&random, 0...12)
        let bobCount = pick(&random, 0...12)
        let aliceTexts = (0..<aliceCount).map { "a-\($0 + 1)." }
        let bobTexts = (0..<bobCount).map { "b-\($0 + 1)." }
        let aliceWindow = chance(&random, 0.3) ? 1 : pick(&random, 1...32)
        let bobWindow = chance(&random, 0.3) ? 1 : pick(&random, 1...32)
        notes.append("alice sends \(aliceCount) (window \(aliceWindow)), bob sends \(bobCount) (window \(bobWindow))")
        let bobTalksFirst = chance(&random, 0.5)
        let bobThinks = chance(&random, 0.3) ? Duration.milliseconds(pick(&random, 1...25_000)) : .zero
        if bobThinks > .zero { notes.append("bob takes \(bobThinks.compactDescription) to accept") }
        // Answers to repeats are remembered 30 RTO (the protocol asks for ≥ 5): long loss runs must
        // not outlive the memory, which is what ends a run.
        let memory = rto * 30

        var alice: [ScriptStep] = [.waitFor("registered"), .waitForParty(party: "bob", text: "registered"), .command(.connect("bob")),
                                   .waitFor("connection established")]
        if !bobTalksFirst { alice += aliceTexts.map { .command(.send($0)) } }
        if let last = bobTexts.last { alice.append(.waitFor("[2] \(last)")) }
        if bobTalksFirst { alice += aliceTexts.map { .command(.send($0)) } }
        let withCarol = chance(&random, 0.25)
        // Carol must find bob busy: alice ends only once carol has been turned away.
        if withCarol { alice.append(.waitForParty(party: "carol", text: "connection rejected by client 2")) }
        alice += [.command(.end), .waitFor("terminated"), .command(.quit)]

        var bob: [ScriptStep] = [.waitFor("wants to connect")]
        if bobThinks > .zero { bob.append(.sleep(.absolute(bobThinks))) }
        bob.append(.command(.accept))
        if bobTalksFirst { bob += bobTexts.map { .command(.send($0)) } }
        if !bobTalksFirst, let last = aliceTexts.last { bob.append(.waitFor("[1] \(last)")) }
        if !bobTalksFirst { bob += bobTexts.map { .command(.send($0)) } }
        bob += [.waitFor("terminated"), .waitForParty(party: "alice", text: "terminated"), .command(.quit)]

        var clients = [
            SimClient(name: "alice", id: 1, window: aliceWindow, script: alice, rememberFor: memory),
            SimClient(name: "bob", id: 2, window: bobWindow, script: bob, rememberFor: memory),
        ]
        if withCarol {
            notes.append("carol asks bob while he is busy")
            clients.append(carol(memory: memory))
        }
        var strangers: [SimStranger] = []
        if chance(&random, 0.25) {
            notes.append("mallory spoofs alice and bob")
            strangers.append(mallory(&random))
        }
        let proxies = proxies(&random, rto: rto, notes: &notes)
        // The server is run as a careful operator runs it: clients refresh (the reference default),
        // so registrations that are not refreshed expire, and a ghost cannot outlive the expiry.
        let setup = SimSetup(seed: seed, rto: rto, timeout: rto * 500, settle: rto * 500, clients: clients, strangers: strangers, proxies: proxies,
                             recordAllDisplays: false, serverExpiry: expiry)
        return World(setup: setup, aliceTexts: aliceTexts, bobTexts: bobTexts, withCarol: withCarol, summary: notes)
    }

    /// Carol asks bob while he is busy, and is turned away.
    static func carol(memory: Duration) -> SimClient {
        SimClient(name: "carol", id: 3, script: [
            .waitFor("registered"), .waitForParty(party: "bob", text: "connection established"), .command(.connect("bob")),
            .waitFor("connection rejected by client 2"), .command(.quit),
        ], rememberFor: memory)
    }

    /// Mallory, at a random moment, spoofs alice to bob and bob to alice, and leaves for alice.
    static func mallory(_ random: inout SplitMix64) -> SimStranger {
        SimStranger(name: "mallory", script: [
            .sleep(.absolute(.milliseconds(pick(&random, 1...30_000)))),
            .raw(to: "bob", text: "MSG {conn} {alice} 1 spoofed"),
            .raw(to: "bob", text: "TERMINATE {conn} {alice}"),
            .raw(to: "alice", text: "ACK {conn} {bob} 1"),
            .raw(to: "alice", text: "MSG {conn} {bob} 1 spoofed"),
            .raw(to: "server", text: "LEAVE 1"),
        ])
    }

    /// A lossy proxy in front of the server and of bob, and sometimes of alice.
    /// The proxies model lossy links, not NATs: a connected pair may be quiet towards each other for
    /// longer than the proxy's default 60 s flow idle (alice waits for carol through blackholes), and
    /// the protocol has no peer-to-peer keepalive. Flows stay for 10 minutes.
    static func proxies(_ random: inout SplitMix64, rto: Duration, notes: inout [String]) -> [SimProxy] {
        let flowIdle = Duration.seconds(600)
        var proxies = [
            SimProxy(name: "server", target: "server", impairment: impairment(&random, rto: rto, notes: &notes, name: "server"), flowIdle: flowIdle),
            SimProxy(name: "bob", target: "bob", impairment: impairment(&random, rto: rto, notes: &notes, name: "bob"), flowIdle: flowIdle),
        ]
        if chance(&random, 0.3) {
            proxies.append(SimProxy(name: "alice", target: "alice", impairment: impairment(&random, rto: rto, notes: &notes, name: "alice"),
                                    flowIdle: flowIdle))
        }
        return proxies
    }

    /// No registration of a client that left survives longer than the expiry after its LEAVE: a
    /// duplicated or delayed REGISTER may re-register it (a ghost), but the expiry removes it.
    public static func ghosts(_ result: SimResult, expiry: Duration, maxTransit: Duration = maxTransit) -> [String] {
        var violations: [String] = []
        for client in result.clients {
            guard let left = client.closedAt, let id = result.ids[client.name] else { continue }
            if result.serverTable.contains(where: { $0.id == id }) {
                violations.append("ghost: \(client.name) left at \(left) and is still registered at the end")
            } else if let ended = result.registrationEnded[id], ended > left + expiry + maxTransit {
                violations.append("ghost: \(client.name)'s registration outlived its LEAVE by \((ended - left).compactDescription) (expiry \(expiry.compactDescription))")
            }
        }
        return violations
    }

    /// Runs one seed and checks the invariants.
    public static func run(seed: UInt64) -> (Outcome, SimResult, World) {
        let world = world(seed: seed)
        let result = Simulator.run(world.setup)
        var violations: [String] = []
        for (party, step) in result.stuck.sorted(by: { $0.key < $1.key }) { violations.append("\(party) stuck at \(step)") }
        for client in result.clients where client.exit != .left {
            violations.append("\(client.name) did not leave cleanly (phase \(client.phase), exit \(client.exit.map { "\($0)" } ?? "none"))")
        }
        if !result.serverTable.isEmpty {
            violations.append("state leak: the server still lists \(result.serverTable.map { "\($0.id)" }.joined(separator: ", "))")
        }
        violations += ghosts(result, expiry: expiry)
        let observation = Observation(result, rto: world.setup.rto)
        let atBob = observation.delivered(at: "bob", from: 1)
        if atBob != world.aliceTexts { violations.append("bob displayed \(atBob), expected \(world.aliceTexts) exactly once, in order") }
        let atAlice = observation.delivered(at: "alice", from: 2)
        if atAlice != world.bobTexts { violations.append("alice displayed \(atAlice), expected \(world.bobTexts) exactly once, in order") }
        var checks = [ScenarioChecker.terminated(by: "alice", peer: "bob", observation)]
        for client in result.clients { checks.append(ScenarioChecker.left(client.name, observation)) }
        for check in checks where !check.passed { violations.append("\(check.title): \(check.observed)") }
        // Timer-driven re-sends (same bytes again) must come one RTO apart, whatever the network did;
        // a REGISTER may also come one refresh period after the previous one.
        var lastSent: [String: Instant] = [:]
        let timed: Set<Verb> = [.register, .lookup, .connect, .msg, .terminate, .leave]
        for record in result.trace {
            guard let message = record.message, timed.contains(message.verb), record.from != "mallory" else { continue }
            let key = record.from + ": " + message.serialized
            if let previous = lastSent[key] {
                let gap = record.time - previous
                let refresh = message.verb == .register && gap >= ProtocolDefaults.refreshEvery * 0.95 && gap <= ProtocolDefaults.refreshEvery * 1.1
                if !refresh && (gap < world.setup.rto * 0.95 || gap > world.setup.rto * 1.1) {
                    violations.append("\(key) re-sent \(gap.compactDescription) after the previous transmission")
                }
            }
            lastSent[key] = record.time
        }
        return (Outcome(seed: seed, violations: violations, events: result.events), result, world)
    }

    /// Runs `seeds` seeds from `start` on `jobs` parallel workers. Returns the failing outcomes
    /// (sorted by seed) and the total number of simulated events. `each` sees every seed's outcome
    /// as soon as it is known (from the worker's task), for progress and failures as they happen.
    /// Checks seeds `start…` in chunks, `jobs` chunks at a time. After `stop`, no new chunk starts;
    /// `checked` says how many seeds were checked.
    public static func run(start: UInt64, seeds: Int, jobs: Int, stop: StopSignal = StopSignal(),
                           each: (@Sendable (Outcome) -> Void)? = nil) async -> (failures: [Outcome], events: Int, checked: Int)
    {
        let jobs = max(1, jobs)
        let chunk = max(1, min(256, seeds / (jobs * 4) + 1))
        return await withTaskGroup(of: ([Outcome], Int, Int).self) { group in
            var next = 0
            var failures: [Outcome] = []
            var events = 0
            var checked = 0
            func submit() {
                guard next < seeds, !stop.isStopped else { return }
                let from = next
                let to = min(seeds, next + chunk)
                next = to
                group.addTask {
                    var failed: [Outcome] = []
                    var count = 0
                    for offset in from..<to {
                        let outcome = run(seed: start &+ UInt64(offset)).0
                        each?(outcome)
                        count += outcome.events
                        if !outcome.passed { failed.append(outcome) }
                    }
                    return (failed, count, to - from)
                }
            }
            for _ in 0..<jobs { submit() }
            while let (failed, count, seedsDone) = await group.next() {
                failures += failed
                events += count
                checked += seedsDone
                submit()
            }
            return (failures.sorted { $0.seed < $1.seed }, events, checked)
        }
    }
}
