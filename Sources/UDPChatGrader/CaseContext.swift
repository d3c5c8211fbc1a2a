import Foundation
import UDPChatHost
import NIOCore
import UDPChatDialect
import UDPChatIUT
import UDPChatSupport
import UDPChatWire

/// Everything a case script uses: the implementation's process, the grader's nodes, the
/// trace, and expectation helpers that throw `CaseStop.fail` with evidence.
public final class CaseContext: @unchecked Sendable {
    public let manifest: Manifest
    /// The implementation's wire format (the manifest's `dialect:`); every grader node speaks it.
    public let dialect: Dialect
    public let caseID: String
    /// The RTO graded at.
    public let rto: Duration
    public let trace: Trace
    let group: EventLoopGroup
    let ports: PortAllocator
    private let lock = NSLockBox()
    private(set) var process: TracedProcess?
    private var nodes: [FakeNode] = []
    private var notes: [String] = []

    // Server role.
    public private(set) var serverAddress = Endpoint(host: "127.0.0.1", port: ProtocolDefaults.port)
    private var serverStarted = false
    private var clientStarted = false
    // Client role.
    /// The client's id: 7 (the grader fills {id}), or whatever its REGISTER says when the command has no {id}.
    public private(set) var clientID: ClientID = 7
    public let peerID: ClientID = 42
    public private(set) var fakeServer: FakeNode!
    public private(set) var peer: FakeNode!
    /// Where the client's REGISTER came from, and where peers reach it (127.0.0.1 and the advertised port).
    public private(set) var clientSource: Endpoint?
    public private(set) var clientAddress = Endpoint(host: "127.0.0.1", port: 1)
    /// The {advertise_port} the grader filled in.
    public private(set) var givenAdvertisePort: UInt16 = 0
    /// Ids the fake server knows (LOOKUP answers PEER for these, INACTIVE otherwise).
    private var directory: [ClientID: Endpoint] = [:]
    /// Server role, `ids: server-assigned`: the id the server gave each of the grader's parties.
    private var given: [String: ClientID] = [:]

    /// The id the server under test gave `node` (`ids: server-assigned`), if it gave one.
    public func givenID(_ node: FakeNode) -> ClientID? { lock.withLock { given[node.name] } }
    func setGivenID(_ id: ClientID, for node: FakeNode) { lock.withLock { given[node.name] = id } }

    /// The run this case belongs to (interrupts, setup errors, the sandbox worker's limits).
    let control: RunControl
    /// A whole-submission case's parties (W-*); nil in server and client cases.
    var whole: WholeContext?
    private var others: [TracedProcess] = []
    /// The dialect file the case wrote for its stand-ins, removed at tear-down.
    private var standInDialectFile: String?

    init(manifest: Manifest, caseID: String, rto: Duration, group: EventLoopGroup, ports: PortAllocator, control: RunControl = RunControl()) {
        self.control = control
        self.manifest = manifest
        self.dialect = (try? manifest.dialect()) ?? .default
        self.caseID = caseID
        self.rto = rto
        self.trace = Trace()
        self.group = group
        self.ports = ports
    }

    /// How long a program under test may take to start (its server to answer a probe, its client to send
    /// its first REGISTER): on a loaded machine an interpreter or a JVM can need many seconds, which is not
    /// the rule under test. Later waits are the rule's own (RTO-based). Below a case's timeout
    /// (8 RTO + 20 s), so a program that never starts is a FAIL naming what it never did.
    public static let startup: Duration = .seconds(15)

    /// Notes that make a conforming result LENIENT.
    var lenientNotes: [String] { lock.withLock { notes } }

    /// Records a conforming-with-a-note observation (verdict LENIENT unless something fails).
    public func lenient(_ note: String) {
        trace.note("LENIENT: \(note)", tag: "lenient")
        lock.withLock { notes.append(note) }
    }

    // MARK: parties

    /// A fresh grader node on its own port.
    public func node(_ name: String, id: ClientID? = nil) async throws -> FakeNode {
        let node = try await FakeNode.bind(name: name, group: group, trace: trace, dialect: dialect)
        node.localID = id
        // A server under test answers from its own address: nothing else reaching a node is its.
        if serverStarted { node.onlyFrom = serverAddress }
        // A client under test is the one party every node talks to.
        if clientStarted { node.remoteID = clientID }
        lock.withLock { nodes.append(node) }
        return node
    }

    // MARK: the dialect

    /// Whether the dialect has `verb` (the contract has all).
    public func has(_ verb: Verb) -> Bool { dialect.templates[verb] != nil }

    /// Whether the dialect's connection messages carry `{conn}` (else a connection is its two peers).
    public var hasConn: Bool { dialect.templates[.connect]?.fields.contains(.conn) ?? false }

    /// Whether the dialect's REGISTER carries `{port}` (else the server can only know the source port).
    public var registerHasPort: Bool { dialect.templates[.register]?.fields.contains(.port) ?? false }

    /// `ids: server-assigned`: the server gives the ids; a client never chooses one.
    public var assignsIDs: Bool { dialect.ids == .serverAssigned }

    /// Whether the dialect's MSG carries an alternating `{bit}` instead of `{seq}` (a window of one).
    public var usesBit: Bool { dialect.templates[.msg]?.fields.contains(.bit) ?? false }

    /// UNSUPPORTED with the reason when the dialect lacks `verb`.
    public func require(_ verb: Verb, for what: String) throws {
        if !has(verb) { throw CaseStop.unsupported("dialect \(dialect.name) has no \(verb.rawValue), and \(what)") }
    }

    /// Whether two messages are the same as far as the dialect can tell: the contract compares every
    /// field; a dialect compares what it writes (fields it leaves out, like `{conn}` or REGISTERED's
    /// `{port}`, cannot differ).
    public func same(_ a: Message, _ b: Message) -> Bool { dialect.writesAlike(a, b) }

    /// `message` as a detail quotes it: the contract's text (`'LEFT 11'`), or under a dialect its wire
    /// form without the terminator, with the contract's verb in brackets (`'LIN:12' [REGISTERED]`), so
    /// fields the dialect leaves out (a `{conn}`, REGISTERED's `{port}`) never show. `node` is the
    /// grader's party that writes it (its `{self}`); the implementation's messages need none.
    public func quote(_ message: Message, from node: FakeNode? = nil) -> String {
        dialect.quote(message, context: node?.context ?? DialectContext(), escape: escapeDatagram)
            ?? "'\(message.serialized)' (dialect \(dialect.name) has no \(message.verb.rawValue))"
    }

    /// The connection token of the peer's connection to the client: ClientCases.peerConn, or in a
    /// dialect without `{conn}` the token of the pair of ids (what a reader derives).
    public var peerConn: ConnToken { conn(ClientCases.peerConn, between: peerID) }

    /// `token` in a dialect with `{conn}`, else the pair token of `peer` and the client.
    public func conn(_ token: ConnToken, between peer: ClientID) -> ConnToken {
        hasConn ? token : Dialect.pairToken(peer, clientID)
    }

    func tearDown() async {
        if let whole { await whole.tearDown() }
        await process?.stop()
        for other in lock.withLock({ others }) { await other.stop() }
        for node in lock.withLock({ nodes }) { await node.close() }
        if let file = lock.withLock({ standInDialectFile }) { try? FileManager.default.removeItem(atPath: file) }
    }

    func launch(_ values: LaunchValues) async throws {
        process = try await start(manifest, values: values, name: "iut")
    }

    /// Starts `manifest`'s command with its placeholders filled from `values` (confined when the case
    /// runs in a sandbox); its console lines go into the trace under `name`. Stopped at tear-down.
    func start(_ manifest: Manifest, values: LaunchValues, name: String) async throws -> TracedProcess {
        var values = values
        if manifest.standsIn, manifest.uses("dialect") { values.dialect = try standInDialect(manifest) }
        let (command, env) = values.fill(manifest)
        do {
            var run = command, runEnv = env
            // A stand-in (the reference, trusted like the worker) runs unconfined in the case's sandbox: it
            // reads its dialect from the sandbox's /tmp, and the confined programs cannot signal or trace it.
            if let limits = control.limits, !manifest.standsIn {
                run = try SandboxInside.confined(command, workdir: manifest.workdir, env: env, limits: limits)
                runEnv = [:]
            }
            let started = try await TracedProcess.launch(run, shown: command, workdir: manifest.workdir, env: runEnv, trace: trace, name: name)
            if name != "iut" { lock.withLock { others.append(started) } }
            control.launched(started.process)
            return started
        } catch {
            throw CaseStop.setup(error.reason)
        }
    }

    /// The stand-in's `{dialect}`: written once per case (W-CONCURRENT starts five stand-ins), removed at tear-down.
    private func standInDialect(_ manifest: Manifest) throws -> String {
        if let file = lock.withLock({ standInDialectFile }) { return file }
        let file = try StandIn.dialectFile(manifest)
        if file != "default" { lock.withLock { standInDialectFile = file } }
        return file
    }

    /// Starts a server under test and waits until it answers a probe (LEAVE for an unused id).
    public func startServer() async throws {
        let port = manifest.pinnedPort ?? ports.next()
        serverAddress = Endpoint(host: "127.0.0.1", port: port)
        serverStarted = true
        try await launch(.server(port: port, rto: rto))
        let probe = try await node("probe")
        let deadline = trace.now() + Self.startup
        let probeID: ClientID = 2_147_480_000
        var registerAt = trace.now() + .milliseconds(500)
        while trace.now() < deadline {
            if let exit = process?.exited {
                throw CaseStop.error("the server exited with status \(exit.status) during startup\(stderrTail())")
            }
            // Any answer will do: LEAVE for an unused id (LEFT) or LOOKUP from an unregistered address
            // (ERROR), in the dialect (a dialect without one of them sends the other). A server may answer
            // neither from an unregistered address (no ERROR, no LEFT for an unknown id): after 0.5 s the
            // probe also registers, every 0.5 s, the unused id (ids the cases use are never near it; under
            // `ids: server-assigned` whatever id the server gives the probe's address).
            if has(.leave) { try probe.send(.leave(id: probeID), to: serverAddress, tag: "probe") }
            if has(.lookup) { try probe.send(.lookup(id: probeID), to: serverAddress, tag: "probe") }
            if trace.now() >= registerAt {
                try probe.send(.register(id: probeID, port: probe.address.port), to: serverAddress, tag: "probe")
                registerAt = trace.now() + .milliseconds(500)
            }
            try await Task.sleep(for: .milliseconds(100))
            if trace.events.contains(where: { $0.node == "probe" && $0.kind == .received }) {
                trace.note("server is up on \(serverAddress)")
                return
            }
        }
        let probes = [has(.leave) ? "'LEAVE \(probeID)'" : nil, has(.lookup) ? "'LOOKUP \(probeID)'" : nil, "'REGISTER \(probeID)'"]
        throw CaseStop.error("the server did not answer a probe (\(probes.compactMap { $0 }.joined(separator: " or "))) on \(serverAddress) within \(seconds(Self.startup))\(stderrTail())")
    }

    /// Starts a client under test with a fake server and a fake peer, and waits for its REGISTER
    /// (answered automatically). LOOKUP of the peer id is answered with PEER, LEAVE with LEFT.
    /// `setup`: the REGISTER is a set-up step of the case (its FAIL reads "setup: register: …"), not the rule under test.
    public func startClient(dropFirstRegister: Bool = false, answerLeave: Bool = true, relay: Bool = false, setup: Bool = true) async throws {
        if let pinned = manifest.pinnedPort {
            let node = try await FakeNode.bind(name: "server", port: pinned, group: group, trace: trace, dialect: dialect)
            lock.withLock { nodes.append(node) }
            fakeServer = node
        } else {
            fakeServer = try await node("server")
        }
        peer = try await node("peer", id: peerID)
        directory[peerID] = peer.address
        answerAsServer(dropFirstRegister: dropFirstRegister, answerLeave: answerLeave)
        let port = ports.next()
        givenAdvertisePort = port
        if relay { givenAdvertisePort = try await relayInFront(of: port) }
        try await launch(.client(id: clientID, server: Endpoint(host: "127.0.0.1", port: fakeServer.address.port), port: port,
                                 advertise: givenAdvertisePort, rto: rto))
        if let process {
            await manifest.typeStartInput(inputValues(peer: nil, text: nil)) { process.type($0) }
        }
        let what = dropFirstRegister ? "REGISTER \(clientID) <port> re-sent after the grader dropped the first one"
            : "REGISTER \(clientID) <port> at the server"
        // Starting is not judged: the first REGISTER (dropped or not) may take `startup`; a re-send
        // after a dropped one is the rule under test, with the usual patience from the drop.
        var patience = max(Self.startup, rto * 2 + .seconds(3))
        if dropFirstRegister, try await firstDropped(at: fakeServer, within: Self.startup) != nil {
            patience = max(.seconds(10), rto * 2 + .seconds(3))
        }
        let register = try await step(setup ? "register" : nil) {
            try await self.expect(what, at: self.fakeServer, within: patience) {
                if case .register(let id, _) = $0 { return id == self.clientID || !self.manifest.uses("id") }
                return false
            }
        }
        if assignsIDs, let id = register.message?.id {
            clientID = id
            trace.note("ids: server-assigned: the grader's server gives the client id \(id)")
        } else if !manifest.uses("id"), let id = register.message?.id {
            clientID = id
            trace.note("the command has no {id}: the client registered as \(id)")
        }
        clientStarted = true
        for node in lock.withLock({ nodes }) { node.remoteID = clientID }
        clientSource = Endpoint(parsing: register.remote ?? "")
        let advertised = register.message?.port ?? port
        clientAddress = Endpoint(host: "127.0.0.1", port: advertised)
        try await pause(.milliseconds(150))
    }

    /// The fake server's answers: REGISTERED, PEER for the peer (else INACTIVE), LEFT unless
    /// `answerLeave` is false; under `ids: server-assigned` it gives the client its id.
    private func answerAsServer(dropFirstRegister: Bool, answerLeave: Bool) {
        let directorySnapshot = directory
        if assignsIDs { fakeServer.assignIDs(from: clientID) }
        if dropFirstRegister { fakeServer.addDrop(DropRule(first: 1) { $0.verb == .register }) }
        fakeServer.setResponder { message, _ in
            switch message {
            case .register(let id, let port): return [.registered(id: id, port: port)]
            case .lookup(let id):
                if let endpoint = directorySnapshot[id] { return [.peer(id: id, host: endpoint.host, port: endpoint.port)] }
                return [.inactive(id: id)]
            case .leave(let id): return answerLeave ? [.left(id: id)] : []
            default: return []
            }
        }
    }

    /// A plain UDP relay in front of the client: the peer's side ↔ the client's `port` (anything not from
    /// the peer is the client's, which may send from another socket with peer-source: any). Returns the
    /// port the client advertises (the relay's).
    private func relayInFront(of port: UInt16) async throws -> UInt16 {
        let relayNode = try await node("relay")
        let clientPort = Endpoint(host: "127.0.0.1", port: port)
        let peerAddress = peer.address
        relayNode.setRawResponder { [weak relayNode] bytes, source in
            relayNode?.send(bytes, to: source == peerAddress ? clientPort : peerAddress, tag: "relayed")
        }
        return relayNode.address.port
    }

    /// Runs a set-up step of a case (not the rule it checks): its FAIL says so ("setup: accept: expected …"),
    /// so a report where many cases fail in the same step shows the one root cause. The verdict stays FAIL.
    public func step<T>(_ name: String?, _ body: () async throws -> T) async throws -> T {
        guard let name else { return try await body() }
        do {
            return try await body()
        } catch var stop as CaseStop where stop.verdict == .fail {
            stop.reason = "setup: \(name): \(stop.reason)"
            throw stop
        }
    }

    // MARK: actions

    /// Types the manifest's line for `action`; UNSUPPORTED when the manifest lacks it.
    public func type(_ action: String, peer: ClientID? = nil, text: String? = nil) throws {
        guard let line = manifest.inputLine(action, inputValues(peer: peer, text: text)) else {
            throw CaseStop.unsupported("the manifest has no input.\(action) action")
        }
        guard let process else { throw CaseStop.error("no implementation process is running") }
        process.type(line)
    }

    /// The placeholders of an input line: the client's id, the peer (the grader's fake peer unless
    /// told), the text.
    func inputValues(peer: ClientID?, text: String?) -> [String: String] {
        var values: [String: String] = ["id": String(clientID), "peer": String(peer ?? peerID)]
        if let text { values["text"] = text }
        return values
    }

    public func pause(_ duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }

    // MARK: expectations

    /// Waits for a datagram from the implementation at `node` after trace time `after`
    /// that parses and satisfies `matches`.
    @discardableResult
    public func expect(_ what: String, at node: FakeNode, after: Duration = .zero, within: Duration,
                       matches: @escaping (Message) -> Bool) async throws -> TraceEvent {
        let deadline = trace.now() + within
        while true {
            if let event = trace.events.first(where: {
                $0.kind == .received && $0.node == node.name && $0.time >= after && ($0.message.map(matches) ?? false)
            }) {
                return event
            }
            if trace.now() >= deadline { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw CaseStop.fail("expected \(what) within \(seconds(within)); observed \(observed(at: node, after: after))")
    }

    /// The trace time of the first datagram `node`'s drop rules dropped, waiting up to `within`; nil if none.
    func firstDropped(at node: FakeNode, within: Duration) async throws -> Duration? {
        let deadline = trace.now() + within
        while true {
            if let event = trace.events.first(where: { $0.kind == .dropped && $0.node == node.name }) { return event.time }
            if trace.now() >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Fails if a datagram matching `matches` reaches `node` during the next `duration` seconds
    /// (or since `after`).
    public func expectNone(_ what: String, at node: FakeNode, after: Duration? = nil, for duration: Duration,
                           matches: @escaping (Message) -> Bool) async throws {
        let start = after ?? trace.now()
        let deadline = trace.now() + duration
        while true {
            if let event = trace.events.first(where: {
                ($0.kind == .received || $0.kind == .dropped) && $0.node == node.name && $0.time >= start
                    && ($0.message.map(matches) ?? false)
            }) {
                throw CaseStop.fail("expected no \(what), but at t=\(seconds(event.time)) \(node.name) received '\(event.text)'")
            }
            if trace.now() >= deadline { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for a console line containing `text` after `after`.
    @discardableResult
    public func expectLine(containing text: String, after: Duration = .zero, within: Duration) async throws -> TraceEvent {
        let deadline = trace.now() + within
        while true {
            if let event = trace.events.first(where: { $0.kind == .stdout && $0.time >= after && $0.text.contains(text) }) {
                return event
            }
            if trace.now() >= deadline { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let lines = trace.events.filter { $0.kind == .stdout && $0.time >= after }.suffix(5).map { "'\($0.text)'" }
        throw CaseStop.fail("expected a console line containing '\(text)' within \(seconds(within)); "
            + "stdout showed \(lines.isEmpty ? "nothing" : lines.joined(separator: ", "))")
    }

    /// Console lines containing `text` since `after`.
    public func lines(containing text: String, after: Duration = .zero) -> [TraceEvent] {
        trace.events.filter { $0.kind == .stdout && $0.time >= after && $0.text.contains(text) }
    }

    /// Waits for the next transmission of exactly the bytes of `previous` at `node`, and grades
    /// the interval as PROTOCOL.md "Timing" says. Returns the re-sent datagram.
    @discardableResult
    public func expectResend(of previous: TraceEvent, at node: FakeNode, what: String) async throws -> TraceEvent {
        let upper = rto * 2 + Timing.slack
        let deadline = previous.time + upper + .milliseconds(50)
        while true {
            if let event = trace.events.first(where: {
                ($0.kind == .received || $0.kind == .dropped) && $0.node == node.name && $0.time > previous.time
                    && $0.bytes == previous.bytes
            }) {
                let verdict = Timing.grade(interval: event.time - previous.time, rto: rto)
                switch verdict {
                case .strict: break
                case .lenient(let note): lenient("\(what): \(note)")
                case .failing(let reason): throw CaseStop.fail("\(what): \(reason) (previous at t=\(seconds(previous.time)), re-sent at t=\(seconds(event.time)))")
                }
                return event
            }
            if trace.now() >= deadline { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw CaseStop.fail("expected \(what): the same datagram '\(previous.text)' re-sent within 2 RTO "
            + "(\(seconds(upper))) of t=\(seconds(previous.time)); observed \(observed(at: node, after: previous.time + .microseconds(100)))")
    }

    /// Whether a UDP socket is bound at `port` where the case runs (this network namespace's
    /// /proc/net/udp: the sandbox's own when the case runs in one); nil where it cannot be read.
    public func socketBound(port: UInt16) -> Bool? {
        UDPSocketTable.read().map { rows in rows.contains { $0.port == port } }
    }

    /// A process exit before the end of the case, as a failure.
    public func expectAlive(_ why: String) throws {
        if let exit = process?.exited {
            throw CaseStop.crashed("the implementation exited (status \(exit.status)) at t=\(seconds(exit.time)) \(why)\(stderrTail())")
        }
    }

    func observed(at node: FakeNode, after: Duration) -> String {
        let seen = trace.events.filter { ($0.kind == .received || $0.kind == .dropped) && $0.node == node.name && $0.time >= after }
        var text = seen.isEmpty ? "nothing at \(node.name)"
            : seen.suffix(6).map { "'\($0.text)' at t=\(seconds($0.time))\($0.kind == .dropped ? " (dropped)" : "")" }.joined(separator: ", ")
        if let exit = process?.exited { text += "; the implementation exited with status \(exit.status) at t=\(seconds(exit.time))\(stderrTail())" }
        return text
    }

    func stderrTail() -> String {
        let lines = trace.events.filter { $0.kind == .stderr }.suffix(2).map(\.text)
        return lines.isEmpty ? "" : " (stderr: \(lines.joined(separator: " | ").prefix(300)))"
    }
}

/// PROTOCOL.md "Timing": strict 0.95–1.1 RTO, lenient 0.5–2 RTO, else failing.
public enum Timing {
    /// Measurement allowance added to each bound (process scheduling on a loaded machine).
    public static let slack: Duration = .milliseconds(30)

    public enum Grade: Equatable, Sendable {
        case strict
        case lenient(String)
        case failing(String)
    }

    public static func grade(interval: Duration, rto: Duration) -> Grade {
        let ratio = String(format: "%.2f", interval / rto)
        if interval >= rto * 0.95 - slack, interval <= rto * 1.1 + slack { return .strict }
        if interval >= rto * 0.5 - slack, interval <= rto * 2 + slack {
            return .lenient("re-sent after \(seconds(interval)) (\(ratio) RTO); strict is 0.95–1.1 RTO")
        }
        return .failing("re-sent after \(seconds(interval)) (\(ratio) RTO), outside 0.5–2 RTO")
    }
}
