// What a whole-submission case (W-*) uses: the submission's own server and clients started from
// their manifests in the case's sandbox, typed to through `input:` actions, their consoles and the
// datagrams between them (captured on the wire) in the case's trace (docs/GRADER.md "Whole submissions").
import Foundation
import UDPChatHost
import UDPChatIUT
import UDPChatSupport
import UDPChatWire

/// The seam for impairing the datagrams between a whole submission's parties (a transparent relay
/// in the case's network namespace, e.g. fed by netfilter's queue). `attach` is called once the
/// server is up, before any client starts (or mid-session, `impair(with:)`); `detach` at the end of the
/// case. `WholeRelay` is the one there is: the transparent relay in the case's sandbox.
public protocol WholeImpairment: Sendable {
    func attach(to context: WholeContext) async throws
    func detach() async
}

public final class WholeContext: @unchecked Sendable {
    /// The case's base context: its trace, RTO, run control and process launcher.
    let base: CaseContext
    public let server: Manifest
    public let client: Manifest
    public var trace: Trace { base.trace }
    public var rto: Duration { base.rto }
    /// Set before `startServer()` to impair the datagrams between the parties (see `WholeImpairment`).
    public var impairment: (any WholeImpairment)?
    /// Set before `startServer()` to capture the datagrams between the clients too when on the host
    /// (`--isolation none`), not only the server's (`udpchat dialect infer` needs them; a sandbox captures all).
    public var captureAll = false
    private let lock = NSLockBox()
    private var serverParty: WholeParty?
    private var clientParties: [WholeParty] = []
    private var held = false
    /// The datagrams between the parties, as the wire showed them.
    let wire = WholeWire()
    /// Why chat is not judged at all in this pair (a stand-in under a dialect), or nil.
    let chatBlocked: String?
    /// The first id the harness gives a client ({id}); the next ones follow.
    public static let firstClientID: ClientID = 21

    init(base: CaseContext, server: Manifest, client: Manifest) {
        self.base = base
        self.server = server
        self.client = client
        chatBlocked = StandIn.chatBlocked(server: server, client: client)
    }

    public var serverPort: UInt16 { server.pinnedPort ?? serverParty?.givenPort ?? ProtocolDefaults.port }
    public var theServer: WholeParty? { lock.withLock { serverParty } }
    public var clients: [WholeParty] { lock.withLock { clientParties } }

    /// The party that uses `port` (the server's port, or one of a client's), if known.
    func party(at port: UInt16) -> WholeParty? {
        if port == serverPort { return theServer }
        // The newest: a client started again on an earlier one's port (W-JOIN-REPEAT's second session) is the live one.
        return clients.last { $0.ports.contains(port) }
    }

    // MARK: starting

    /// Starts the wire capture, then the server (its `{port}`: a free port, or 7070 when pinned, or when
    /// the client is: a client without `{server_port}`, beside the reference server standing in), and
    /// waits until it holds a UDP socket on that port (a readiness check that needs no wire format).
    public func startServer() async throws {
        let port = server.pinnedPort ?? client.pinnedPort ?? base.ports.next()
        try wire.start(context: self, port: port)
        try await launchServer(port: port)
        try await impairment?.attach(to: self)
    }

    /// Stops the server and every client (their processes end), then starts a fresh server on the same
    /// port, waiting as `startServer()` does; the wire capture and any relay go on. For a case that learns
    /// something from one session (W-LEAVE-STRANGER: a client's leave datagram) and judges another.
    public func restartServer() async throws {
        guard let old = theServer else { return try await startServer() }
        for party in clients { await party.process.stop() }
        await old.process.stop()
        trace.note("server and clients stopped: a fresh server starts on port \(serverPort)")
        try await launchServer(port: old.givenPort ?? serverPort)
    }

    /// Starts the server's process on `port` and waits until it holds a UDP socket there.
    private func launchServer(port: UInt16) async throws {
        let process = try await base.start(server, values: .server(port: port, rto: base.rto), name: "server")
        let party = WholeParty(name: "server", id: nil, givenPort: port, process: process)
        lock.withLock { serverParty = party }
        let deadline = trace.now() + CaseContext.startup
        while trace.now() < deadline {
            if let exit = party.exited {
                throw CaseStop.error("the server exited with status \(exit.status) during startup\(stderrTail(party))")
            }
            if party.refreshSockets().contains(port) || (!party.knowsSockets && UDPSocketTable.isBound(port)) {
                trace.note("server is up: it holds UDP port \(port)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CaseStop.error("the server bound no UDP socket on port \(port) within \(seconds(CaseContext.startup))\(stderrTail(party))")
    }

    /// Starts `count` clients at once, each with its own `{id}` and `{port}`, and types `input.start`.
    @discardableResult
    public func startClients(_ count: Int) async throws -> [WholeParty] {
        let first = clients.count
        return try await withThrowingTaskGroup(of: WholeParty.self) { tasks in
            for index in first..<(first + count) { tasks.addTask { try await self.startClient(index) } }
            var started: [WholeParty] = []
            for try await party in tasks { started.append(party) }
            return started.sorted { $0.name < $1.name }
        }
    }

    /// Starts one more client with the `{id}` `id` (not the next one): W-LEAVE-STRANGER's client that
    /// takes an id again in a fresh session.
    /// `port`: its `{port}` too (the same join from the same port, W-JOIN-REPEAT), else a fresh one.
    func startClient(withID id: ClientID, port: UInt16? = nil) async throws -> WholeParty {
        try await startClient(clients.count, id: id, port: port)
    }

    private func startClient(_ index: Int, id given: ClientID? = nil, port givenPort: UInt16? = nil) async throws -> WholeParty {
        let id = given ?? Self.firstClientID + ClientID(index)
        let port = givenPort ?? base.ports.next()
        let values = LaunchValues.client(id: id, server: Endpoint(host: "127.0.0.1", port: serverPort), port: port, rto: base.rto)
        let name = "client-\(index + 1)"
        let process = try await base.start(client, values: values, name: name)
        let party = WholeParty(name: name, id: id, givenPort: client.uses("port") ? port : nil, process: process)
        lock.withLock { clientParties.append(party) }
        await client.typeStartInput(["id": String(id)]) { process.type($0) }
        party.refreshSockets()
        return party
    }

    // MARK: typing

    /// Types the client manifest's line for `action` on `party`; UNSUPPORTED when the manifest lacks it,
    /// or when `peer`'s id is the server's to assign and cannot be told (`clientID(of:)`).
    public func type(_ action: String, on party: WholeParty, peer: WholeParty? = nil, text: String? = nil) throws {
        var values = ["id": clientID(of: party) ?? String(party.id ?? 0)]
        if let peer {
            guard let id = clientID(of: peer) else {
                throw CaseStop.unsupported("\(peer.name)'s id is the server's to assign (the client command has no {id}), and neither "
                    + "the server's first answer to it nor its console names one number both agree on")
            }
            values["peer"] = id
        }
        if let text { values["text"] = text }
        guard let line = client.inputLine(action, values) else {
            throw CaseStop.unsupported("the client manifest has no input.\(action) action")
        }
        party.process.type(line)
    }

    /// The id `party` goes by: the `{id}` the harness gave it, or, when the client command takes none
    /// (the server assigns ids), the one number that both the server's first answer to it and its
    /// console after that show (`1` and "You are Client 1"), ports left out. Nil when that is not one number.
    public func clientID(of party: WholeParty) -> String? {
        if client.uses("id") || (client.input["start"]?.contains("{id}") ?? false) { return party.id.map(String.init) }
        guard let answer = answers(to: party).first else { return nil }
        let ports = Set(wire.datagrams.flatMap { [String($0.source), String($0.destination)] })
        let told = Self.numbers(in: String(decoding: answer.payload, as: UTF8.self)).subtracting(ports)
        let shown = Set(lines(of: party, after: answer.time - .milliseconds(50)).flatMap { Self.numbers(in: $0.text) })
        let both = told.intersection(shown)
        return both.count == 1 ? both.first : nil
    }

    /// The decimal numbers in `text`, as written.
    static func numbers(in text: String) -> Set<String> {
        Set(text.split { !$0.isASCII || !$0.isNumber }.map(String.init))
    }

    /// Whether the client manifest has every one of `actions`.
    public func has(_ actions: String...) -> Bool { actions.allSatisfy { client.input[$0] != nil } }

    /// A chat can be typed: `send`, and `connect` or a `send` that names the receiver itself
    /// (`send {peer} {text}`: designs without a connection set-up, each message naming its receiver).
    /// With the reference standing in under a dialect other than the contract's, no chat is typed
    /// (`StandIn.chatBlocked`).
    public var canChat: Bool {
        chatBlocked == nil && has("send") && (has("connect") || (client.input["send"]?.contains("{peer}") ?? false))
    }


    /// UNSUPPORTED, before anything starts, when no chat can be typed (`canChat`).
    public func requireChat() throws {
        if let blocked = chatBlocked { throw CaseStop.unsupported(blocked) }
        guard canChat else {
            throw CaseStop.unsupported(has("send") ? "the client manifest has no input.connect, and its input.send does not name the receiver ({peer})"
                                                   : "the client manifest has no input.send")
        }
    }

    // MARK: holding the server still

    /// Stops the server's processes (SIGSTOP): what reaches it waits in its socket, unanswered,
    /// until `releaseServer()`. How W-LEAVE holds the answer to a leave back without a relay.
    public func holdServer() {
        guard let party = theServer else { return }
        lock.withLock { held = true }
        let count = ProcessTable.signalTree(of: party.process.pid, SIGSTOP)
        trace.note("server held still (SIGSTOP to \(count) process\(count == 1 ? "" : "es")): nothing it is sent is answered until released")
    }

    /// Lets a held server go on (SIGCONT); nothing when it is not held.
    public func releaseServer() {
        guard let party = theServer, lock.withLock({ () -> Bool in defer { held = false }; return held }) else { return }
        ProcessTable.signalTree(of: party.process.pid, SIGCONT)
        trace.note("server released (SIGCONT)")
    }

    // MARK: console

    /// The console lines `party` printed since `after`.
    public func lines(of party: WholeParty, after: Duration = .zero) -> [TraceEvent] {
        trace.events.filter { $0.kind == .stdout && $0.node == party.name && $0.time >= after }
    }

    func stderrTail(_ party: WholeParty) -> String {
        let lines = trace.events.filter { $0.kind == .stderr && $0.node == party.name }.suffix(2).map(\.text)
        return lines.isEmpty ? "" : " (stderr: \(lines.joined(separator: " | ").prefix(300)))"
    }

    func tearDown() async {
        releaseServer()
        await impairment?.detach()
        wire.stop()
    }
}
