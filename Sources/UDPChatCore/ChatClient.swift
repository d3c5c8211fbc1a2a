import DequeModule
import UDPChatSupport
import UDPChatWire

/// The reference chat client as a sans-I/O state machine.
///
/// Drive it with `start`, `receive`, `timerFired` and `handle(_:now:)`; run the returned
/// `ClientEffect`s in order. It never reads a clock or touches a socket. See PROTOCOL.md
/// "Client ↔ client" for the rules implemented here.
public struct ChatClient: Sendable {
    /// The receiver's window from the protocol: MSGs further ahead than this are dropped unacknowledged.
    public static let receiveWindow = ProtocolDefaults.window

    enum Registration: Sendable {
        case notStarted
        case registering(attempt: Int)
        case registered
        case leaving(attempt: Int)
        case closed
    }

    enum Link: Sendable {
        case idle
        /// attempt 0: waiting for registration before sending LOOKUP.
        case lookingUp(peer: ClientID, attempt: Int)
        case connecting(peer: ClientID, at: Endpoint, conn: ConnToken, attempt: Int)
        case prompting(peer: ClientID, at: Endpoint, conn: ConnToken)
        case connected(Session)
    }

    struct Outgoing: Sendable {
        var text: String
        var attempts: Int
    }

    struct Session: Sendable {
        var peer: ClientID
        var endpoint: Endpoint
        var conn: ConnToken
        var nextSeq: SeqNo = 1
        var unacked: [SeqNo: Outgoing] = [:]
        var backlog: Deque<String> = []
        var nextExpected: SeqNo = 1
        var held: [SeqNo: String] = [:]
        var endRequested = false
        /// Transmissions of TERMINATE so far (0: not sent).
        var terminateAttempts = 0
        /// True when the peer asked (its CONNECT) and this side accepted: repeated CONNECTs for this
        /// conn are answered ACCEPT for as long as the connection lives.
        var acceptedByUs = false

        func matches(conn: ConnToken, id: ClientID, from source: Endpoint) -> Bool {
            conn == self.conn && id == peer && source == endpoint
        }
    }

    struct Remembered: Sendable {
        var peer: ClientID
        var accepted: Bool
        var until: Instant
    }

    public let config: ClientConfig
    var registration: Registration = .notStarted
    var link: Link = .idle
    var quitting = false
    /// Answers given per conn, for repeated CONNECTs.
    var answers: [ConnToken: Remembered] = [:]
    /// Connections that ended, for repeated TERMINATEs.
    var closedConns: [ConnToken: Remembered] = [:]
    /// When `answers` and `closedConns` are next swept for expired entries (at most once per RTO).
    var nextSweep = Instant(nanoseconds: .min)
    /// The conn the user last answered and the conn that last ended: kept beyond `rememberFor`
    /// (until replaced), so a peer whose answers were lost for longer than that is not left
    /// re-sending CONNECT or TERMINATE forever. Constant memory, unlike keeping everything.
    var lastAnswered: ConnToken?
    var lastClosed: ConnToken?
    var random: SplitMix64
    /// Counterparts already reported `.notAnswering`, until a datagram from them arrives.
    var reportedSilent: Set<Endpoint> = []
    public private(set) var stats = ClientStats()

    public init(config: ClientConfig, random: SplitMix64 = .random()) {
        self.config = config
        self.random = random
    }

    public var id: ClientID { config.id }

    public var phase: ClientPhase {
        switch registration {
        case .notStarted: return .notStarted
        case .leaving: return .leaving
        case .closed: return .closed
        case .registering, .registered: break
        }
        switch link {
        case .idle: if case .registering = registration { return .registering } else { return .idle }
        case .lookingUp: return .lookingUp
        case .connecting: return .connecting
        case .prompting: return .prompting
        case .connected(let session): return session.terminateAttempts > 0 ? .terminating : .connected
        }
    }

    /// The connection being set up (connecting, prompting) or live: its peer, the peer's address
    /// and token. For drivers of wire formats without `{conn}` (docs/DIALECTS.md).
    public var currentConnection: (peer: ClientID, endpoint: Endpoint, conn: ConnToken)? {
        switch link {
        case .connecting(let peer, let endpoint, let conn, _), .prompting(let peer, let endpoint, let conn): (peer, endpoint, conn)
        case .connected(let session): (session.peer, session.endpoint, session.conn)
        case .idle, .lookingUp: nil
        }
    }

    /// The live connection's token, if connected.
    public var liveConn: ConnToken? {
        if case .connected(let session) = link { return session.conn }
        return nil
    }

    // MARK: events

    /// Registers with the server.
    public mutating func start(now: Instant) -> [ClientEffect] {
        guard case .notStarted = registration else { return [] }
        registration = .registering(attempt: 1)
        return [
            .send(.register(id: config.id, port: config.advertisedPort), to: config.server),
            .armTimer(.register, at: now + config.rto),
        ]
    }

    /// A raw datagram arrived from `source`. Malformed datagrams are counted and change nothing.
    public mutating func receive(_ datagram: UnsafeRawBufferPointer, from source: Endpoint, now: Instant) -> [ClientEffect] {
        guard let message = stats.intake.admit(datagram) else { return [] }
        return handle(message, from: source, now: now)
    }

    /// A raw datagram read by another wire format (a dialect's reader); otherwise the same.
    public mutating func receive(_ datagram: UnsafeRawBufferPointer, from source: Endpoint, now: Instant,
                                 reader: (UnsafeRawBufferPointer) throws(WireError) -> Message) -> [ClientEffect] {
        guard let message = stats.intake.admit(datagram, reader: reader) else { return [] }
        return handle(message, from: source, now: now)
    }

    public mutating func receive(_ datagram: [UInt8], from source: Endpoint, now: Instant) -> [ClientEffect] {
        datagram.withUnsafeBytes { receive($0, from: source, now: now) }
    }

    /// A well-formed message arrived from `source`.
    public mutating func handle(_ message: Message, from source: Endpoint, now: Instant) -> [ClientEffect] {
        if case .closed = registration { return ignored() }
        if case .notStarted = registration { return ignored() }
        forgetExpired(now: now)
        if !reportedSilent.isEmpty { reportedSilent.remove(source) }
        if message.verb.isClientServer {
            guard source == config.server else { return ignored() }
            return handleServer(message, now: now)
        }
        return handlePeer(message, from: source, now: now)
    }

    /// A timer the driver armed has fired.
    public mutating func timerFired(_ timer: ClientTimer, now: Instant) -> [ClientEffect] {
        if case .closed = registration { return [] }  // closed is final, whatever a driver still fires
        forgetExpired(now: now)
        switch (timer, registration, link) {
        case (.register, .registering(let attempt), _):
            registration = .registering(attempt: attempt + 1)
            return resend(.register(id: config.id, port: config.advertisedPort), to: config.server,
                          what: "REGISTER", attempt: attempt + 1, timer: .register, now: now)
        case (.register, .registered, _):
            // A periodic refresh (config.refreshEvery): not a re-send, nothing to show.
            guard let every = config.refreshEvery else { return [] }
            return [.send(.register(id: config.id, port: config.advertisedPort), to: config.server), .armTimer(.register, at: now + every)]
        case (.leave, .leaving(let attempt), _):
            registration = .leaving(attempt: attempt + 1)
            return resend(.leave(id: config.id), to: config.server, what: "LEAVE", attempt: attempt + 1, timer: .leave, now: now)
        case (.lookup, _, .lookingUp(let peer, let attempt)) where attempt > 0:
            link = .lookingUp(peer: peer, attempt: attempt + 1)
            return resend(.lookup(id: peer), to: config.server, what: "LOOKUP \(peer)", attempt: attempt + 1, timer: .lookup, now: now)
        case (.connect, _, .connecting(let peer, let endpoint, let conn, let attempt)):
            link = .connecting(peer: peer, at: endpoint, conn: conn, attempt: attempt + 1)
            return resend(.connect(conn: conn, id: config.id), to: endpoint, what: "CONNECT", attempt: attempt + 1, timer: .connect, now: now)
        case (.message(let seq), _, .connected(var session)):
            guard var outgoing = session.unacked[seq] else { return [] }
            outgoing.attempts += 1
            session.unacked[seq] = outgoing
            link = .connected(session)
            return resend(.msg(conn: session.conn, id: config.id, seq: seq, text: outgoing.text), to: session.endpoint,
                          what: "MSG \(seq)", attempt: outgoing.attempts, timer: .message(seq), now: now)
        case (.terminate, _, .connected(var session)) where session.terminateAttempts > 0:
            session.terminateAttempts += 1
            link = .connected(session)
            return resend(.terminate(conn: session.conn, id: config.id), to: session.endpoint,
                          what: "TERMINATE", attempt: session.terminateAttempts, timer: .terminate, now: now)
        default:
            return []  // a stale timer: the state it was armed for has moved on
        }
    }

    /// A user command.
    public mutating func handle(_ command: UserCommand, now: Instant) -> [ClientEffect] {
        forgetExpired(now: now)
        switch registration {
        case .closed: return []
        case .leaving:
            if command == .quit {
                registration = .closed
                return [.cancelTimer(.leave), .display(.forcedQuit), .close(.forced)]
            }
            if command == .help { return [.display(.notice(UserCommand.helpText))] }
            return [.display(.notice("leaving: waiting for the server to acknowledge (type /quit again to force)"))]
        case .notStarted, .registering, .registered:
            break
        }
        if quitting, command != .help, command != .quit {
            return [.display(.notice("quitting: ending the connection before leaving (type /quit again to force)"))]
        }
        switch command {
        case .help: return [.display(.notice(UserCommand.helpText))]
        case .connect(let peer): return userConnect(peer, now: now)
        case .accept, .reject: return userAnswer(accept: command == .accept, now: now)
        case .cancel: return userCancel()
        case .end: return userEnd(now: now)
        case .say(let text): return userSay(text, now: now)
        case .quit: return userQuit(now: now)
        }
    }

    // MARK: helpers shared by the extensions

    mutating func ignored() -> [ClientEffect] {
        stats.ignored += 1
        return []
    }

    mutating func resend(_ message: Message, to endpoint: Endpoint, what: String, attempt: Int, timer: ClientTimer, now: Instant) -> [ClientEffect] {
        if let limit = config.giveUpAfter, attempt > limit + 1 {
            return giveUp(timer, what: what, at: endpoint, sent: attempt - 1, now: now)
        }
        stats.resends += 1
        var effects: [ClientEffect] = [.send(message, to: endpoint), .display(.resending(what: what, attempt: attempt))]
        if let after = config.notAnsweringAfter, attempt == after + 1, !reportedSilent.contains(endpoint) {
            reportedSilent.insert(endpoint)
            effects.append(.display(.notAnswering(peer: endpoint == config.server ? nil : peerID, at: endpoint, what: what, attempts: attempt)))
        }
        return effects + [.armTimer(timer, at: now + config.rto)]
    }

    /// The peer of the link, if any.
    var peerID: ClientID? {
        switch link {
        case .idle: nil
        case .lookingUp(let peer, _), .connecting(let peer, _, _, _), .prompting(let peer, _, _): peer
        case .connected(let session): session.peer
        }
    }

    mutating func freshConn() -> ConnToken {
        while true {
            let conn = UInt32.random(in: 1...WireLimits.maxConn, using: &random)
            if answers[conn] == nil, closedConns[conn] == nil { return conn }
        }
    }

    /// Drops remembered answers whose time is up. Sweeps at most once per RTO, so a flood of
    /// CONNECTs with fresh conns costs O(entries) per RTO rather than per datagram; an entry may
    /// outlive its `until` by up to one RTO, which only lengthens the protocol's minimum.
    mutating func forgetExpired(now: Instant) {
        guard now >= nextSweep else { return }
        nextSweep = now + config.rto
        if !answers.isEmpty { answers = answers.filter { $0.value.until > now || $0.key == lastAnswered } }
        if !closedConns.isEmpty { closedConns = closedConns.filter { $0.value.until > now || $0.key == lastClosed } }
    }
}
