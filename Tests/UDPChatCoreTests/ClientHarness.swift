import UDPChatCore
import UDPChatSupport
import UDPChatWire

let serverEndpoint = Endpoint(host: "10.0.0.1", port: 7070)
let aliceEndpoint = Endpoint(host: "10.0.0.2", port: 5001)
let bobEndpoint = Endpoint(host: "10.0.0.3", port: 5002)
let carolEndpoint = Endpoint(host: "10.0.0.4", port: 5003)
let aliceID: ClientID = 1
let bobID: ClientID = 2
let carolID: ClientID = 3
let rto = Duration.seconds(10)
let oneNanosecond = Duration.nanoseconds(1)

/// One datagram a client asked to send.
struct Sent: Hashable, CustomStringConvertible {
    var message: Message
    var to: Endpoint
    var description: String { "\(message) → \(to)" }
}

/// What one event produced, split by kind.
struct Step {
    var effects: [ClientEffect] = []
    var sent: [Sent] { effects.compactMap { if case .send(let m, let to) = $0 { Sent(message: m, to: to) } else { nil } } }
    var messages: [Message] { sent.map(\.message) }
    var events: [ClientEvent] { effects.compactMap { if case .display(let e) = $0 { e } else { nil } } }
    var delivered: [String] { events.compactMap { if case .delivered(_, _, let text) = $0 { text } else { nil } } }
    var resends: [ClientEvent] { events.filter { if case .resending = $0 { true } else { false } } }
    var closed: ClientExit? { effects.lazy.compactMap { if case .close(let exit) = $0 { exit } else { nil } }.first }
    var isEmpty: Bool { effects.isEmpty }
}

/// Drives one `ChatClient` on a virtual clock. Armed timers are recorded; `advance(to:)` fires exactly
/// those whose deadline the clock reaches, in deadline order, each at its own deadline.
struct ClientHarness {
    var client: ChatClient
    var now: Instant = .zero
    var timers: [ClientTimer: Instant] = [:]
    var log: [ClientEffect] = []
    var exit: ClientExit?

    init(id: ClientID = aliceID, advertisedPort: UInt16 = 5001, rto: Duration = rto, window: Int = 32, seed: UInt64 = 1) {
        client = ChatClient(config: ClientConfig(id: id, server: serverEndpoint, advertisedPort: advertisedPort, rto: rto, window: window, refreshEvery: nil),
                            random: SplitMix64(seed: seed))
    }

    var id: ClientID { client.id }
    var events: [ClientEvent] { Step(effects: log).events }
    var delivered: [String] { Step(effects: log).delivered }

    @discardableResult
    mutating func apply(_ effects: [ClientEffect]) -> Step {
        precondition(exit == nil || effects.isEmpty, "effects after close: \(effects)")
        for effect in effects {
            switch effect {
            case .armTimer(let timer, let at): timers[timer] = at
            case .cancelTimer(let timer): timers[timer] = nil
            case .close(let why): exit = why
            case .send, .display: break
            }
        }
        log += effects
        return Step(effects: effects)
    }

    @discardableResult mutating func start() -> Step { apply(client.start(now: now)) }

    @discardableResult
    mutating func receive(_ message: Message, from source: Endpoint) -> Step {
        apply(client.receive(message.bytes, from: source, now: now))
    }

    @discardableResult
    mutating func receive(raw: [UInt8], from source: Endpoint) -> Step {
        apply(client.receive(raw, from: source, now: now))
    }

    @discardableResult
    mutating func user(_ command: UserCommand) -> Step { apply(client.handle(command, now: now)) }

    @discardableResult
    mutating func type(_ line: String) -> Step {
        guard case .success(let command)? = UserCommand.parse(line: line) else { preconditionFailure("bad line \(line)") }
        return user(command)
    }

    /// Moves the clock to `target`, firing every timer whose deadline is ≤ target at that deadline.
    @discardableResult
    mutating func advance(to target: Instant) -> Step {
        var step = Step()
        while exit == nil, let (timer, deadline) = timers.filter({ $0.value <= target }).min(by: { ($0.value, "\($0.key)") < ($1.value, "\($1.key)") }) {
            timers[timer] = nil
            now = deadline
            step.effects += apply(client.timerFired(timer, now: deadline)).effects
        }
        now = max(now, target)
        return step
    }

    @discardableResult
    mutating func advance(by duration: Duration) -> Step { advance(to: now + duration) }

    /// The deadline of an armed timer.
    func deadline(_ timer: ClientTimer) -> Instant? { timers[timer] }

    // MARK: canned situations

    /// Started and registered.
    mutating func register() {
        start()
        receive(.registered(id: id, port: 5001), from: serverEndpoint)
    }

    /// Registered, then connected to `peer` as the requester; returns the conn.
    @discardableResult
    mutating func connectAsRequester(to peer: ClientID = bobID, at endpoint: Endpoint = bobEndpoint) -> ConnToken {
        register()
        user(.connect(peer))
        let conn = receive(.peer(id: peer, host: endpoint.host, port: endpoint.port), from: serverEndpoint).messages.first!.conn!
        receive(.accept(conn: conn, id: peer), from: endpoint)
        return conn
    }

    /// Registered, then connected to `peer` as the requested side with `conn`.
    mutating func connectAsRequested(from peer: ClientID = bobID, at endpoint: Endpoint = bobEndpoint, conn: ConnToken = 777) {
        register()
        receive(.connect(conn: conn, id: peer), from: endpoint)
        user(.accept)
    }
}
