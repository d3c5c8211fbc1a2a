import UDPChatSupport
import UDPChatWire

/// One row of the server's table of active clients.
public struct TableRow: Hashable, Sendable {
    public var id: ClientID
    /// Where the client can be reached: the owner's IP and the advertised port.
    public var reachable: Endpoint
    /// The source address that registered the id.
    public var owner: Endpoint

    /// A row as the registry reports it (tests and drivers may build their own for comparison).
    public init(id: ClientID, reachable: Endpoint, owner: Endpoint) {
        self.id = id
        self.reachable = reachable
        self.owner = owner
    }
}

public struct ServerConfig: Hashable, Sendable {
    /// Expire registrations not refreshed (by REGISTER) for this long; nil = never (the default).
    public var expireAfter: Duration?

    public init(expireAfter: Duration? = nil) { self.expireAfter = expireAfter }
}

/// Counters of what the server saw. Malformed datagrams never change anything else.
public struct ServerStats: Hashable, Sendable {
    /// Datagrams received, and the malformed ones by kind.
    public var intake = IntakeCounters()
    public var received: Int { intake.received }
    public var malformed: Int { intake.malformed }
    public var malformedByKind: [String: Int] { intake.malformedByKind }
    /// Well-formed datagrams that are not requests to a server (peer verbs, server answers).
    public var unexpected = 0
    public var expired = 0
}

/// The server's registry as a sans-I/O state machine: datagrams in, replies and table changes out.
///
/// Rules (PROTOCOL.md "Client ↔ server"): the registration key is the id; the owner is the source
/// address of the REGISTER; one source address holds at most one id; ID_IN_USE wins over
/// ADDRESS_IN_USE; LOOKUP only for registered sources; LEAVE for an unknown id is answered LEFT;
/// every request is idempotent.
public struct ServerRegistry: Sendable {
    struct Entry: Sendable {
        var owner: Endpoint
        var port: UInt16
        var refreshed: Instant
    }

    public let config: ServerConfig
    private var entries: [ClientID: Entry] = [:]
    private var idByOwner: [Endpoint: ClientID] = [:]
    private var expiryArmed: Instant?
    public private(set) var stats = ServerStats()

    public init(config: ServerConfig = ServerConfig()) { self.config = config }

    public var count: Int { entries.count }

    /// The active clients, sorted by id.
    public var table: [TableRow] {
        entries.sorted { $0.key < $1.key }.map { id, entry in
            TableRow(id: id, reachable: Endpoint(host: entry.owner.host, port: entry.port), owner: entry.owner)
        }
    }

    /// Where a registered id can be reached (nil when inactive).
    public func reachable(_ id: ClientID) -> Endpoint? {
        entries[id].map { Endpoint(host: $0.owner.host, port: $0.port) }
    }

    /// A raw datagram from `source`. Malformed datagrams are counted and produce no effect.
    public mutating func receive(_ datagram: UnsafeRawBufferPointer, from source: Endpoint, now: Instant) -> [ServerEffect] {
        guard let message = stats.intake.admit(datagram) else { return [] }
        return handle(message, from: source, now: now)
    }

    /// A raw datagram read by another wire format (a dialect's reader); otherwise the same.
    public mutating func receive(_ datagram: UnsafeRawBufferPointer, from source: Endpoint, now: Instant,
                                 reader: (UnsafeRawBufferPointer) throws(WireError) -> Message) -> [ServerEffect] {
        guard let message = stats.intake.admit(datagram, reader: reader) else { return [] }
        return handle(message, from: source, now: now)
    }

    /// Convenience for tests and the simulator.
    public mutating func receive(_ datagram: [UInt8], from source: Endpoint, now: Instant) -> [ServerEffect] {
        datagram.withUnsafeBytes { receive($0, from: source, now: now) }
    }

    /// A parsed message from `source` (the caller has already counted it as received).
    public mutating func handle(_ message: Message, from source: Endpoint, now: Instant) -> [ServerEffect] {
        switch message {
        case .register(let id, let port):
            return register(id: id, port: port, from: source, now: now)
        case .lookup(let id):
            guard idByOwner[source] != nil else { return [.send(.error(code: .notRegistered, id: id), to: source)] }
            if let entry = entries[id] {
                return [.send(.peer(id: id, host: entry.owner.host, port: entry.port), to: source)]
            }
            return [.send(.inactive(id: id), to: source)]
        case .leave(let id):
            guard let entry = entries[id] else { return [.send(.left(id: id), to: source)] }
            guard entry.owner == source else { return [.send(.error(code: .notOwner, id: id), to: source)] }
            entries[id] = nil
            idByOwner[source] = nil
            return [.send(.left(id: id), to: source), .tableChanged]
        default:
            stats.unexpected += 1
            return []
        }
    }

    private mutating func register(id: ClientID, port: UInt16, from source: Endpoint, now: Instant) -> [ServerEffect] {
        if let entry = entries[id] {
            guard entry.owner == source else { return [.send(.error(code: .idInUse, id: id), to: source)] }
            let changed = entry.port != port
            entries[id]?.port = port
            entries[id]?.refreshed = now
            return changed ? [.send(.registered(id: id, port: port), to: source), .tableChanged]
                : [.send(.registered(id: id, port: port), to: source)]
        }
        if idByOwner[source] != nil { return [.send(.error(code: .addressInUse, id: id), to: source)] }
        entries[id] = Entry(owner: source, port: port, refreshed: now)
        idByOwner[source] = id
        var effects: [ServerEffect] = [.send(.registered(id: id, port: port), to: source), .tableChanged]
        if let expireAfter = config.expireAfter, expiryArmed == nil {
            let deadline = now + expireAfter
            expiryArmed = deadline
            effects.append(.armTimer(.expiry, at: deadline))
        }
        return effects
    }

    /// The expiry timer fired: drop registrations not refreshed within `expireAfter`.
    public mutating func timerFired(_ timer: ServerTimer, now: Instant) -> [ServerEffect] {
        guard timer == .expiry, let expireAfter = config.expireAfter else { return [] }
        expiryArmed = nil
        var effects: [ServerEffect] = []
        var earliest: Instant?
        var removed = 0
        for (id, entry) in entries {
            if entry.refreshed + expireAfter <= now {
                entries[id] = nil
                idByOwner[entry.owner] = nil
                removed += 1
            } else if earliest.map({ entry.refreshed < $0 }) ?? true {
                earliest = entry.refreshed
            }
        }
        stats.expired += removed
        if removed > 0 { effects.append(.tableChanged) }
        if let earliest {
            let deadline = earliest + expireAfter
            expiryArmed = deadline
            effects.append(.armTimer(.expiry, at: deadline))
        }
        return effects
    }
}
