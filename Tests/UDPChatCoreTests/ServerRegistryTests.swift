import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

/// Drives a `ServerRegistry` with text datagrams and an injected clock.
struct ServerHarness {
    var registry: ServerRegistry
    var now: Instant = .zero
    var tableChanges = 0
    var expiryDeadline: Instant?

    init(expireAfter: Duration? = nil) { registry = ServerRegistry(config: ServerConfig(expireAfter: expireAfter)) }

    /// Sends `text` from `source`; returns the answers (each must go back to `source`).
    @discardableResult
    mutating func send(_ text: String, from source: Endpoint, sourceLocation: SourceLocation = #_sourceLocation) -> [Message] {
        run(registry.receive(Array(text.utf8), from: source, now: now), replyTo: source, sourceLocation: sourceLocation)
    }

    mutating func run(_ effects: [ServerEffect], replyTo source: Endpoint?, sourceLocation: SourceLocation = #_sourceLocation) -> [Message] {
        var answers: [Message] = []
        for effect in effects {
            switch effect {
            case .send(let message, let to):
                if let source { #expect(to == source, "reply goes to the source address", sourceLocation: sourceLocation) }
                answers.append(message)
            case .tableChanged: tableChanges += 1
            case .armTimer(.expiry, let at): expiryDeadline = at
            }
        }
        return answers
    }

    mutating func fireExpiry() -> [Message] {
        guard let deadline = expiryDeadline else { return [] }
        expiryDeadline = nil
        now = deadline
        return run(registry.timerFired(.expiry, now: deadline), replyTo: nil)
    }

    var rows: [String] { registry.table.map { "\($0.id) \($0.reachable) owner \($0.owner)" } }
}

let ownerA = Endpoint(host: "10.0.0.2", port: 40001)
let ownerB = Endpoint(host: "10.0.0.3", port: 40002)
let ownerC = Endpoint(host: "10.0.0.4", port: 40003)

@Suite("Server registry")
struct ServerRegistryTests {
    @Test func registerFreeIDStoresAndPrintsOnce() {
        var server = ServerHarness()
        #expect(server.send("REGISTER 5 6000", from: ownerA) == [.registered(id: 5, port: 6000)])
        #expect(server.tableChanges == 1)
        // The reachable address is the owner's IP with the advertised port.
        #expect(server.registry.table == [TableRow(id: 5, reachable: Endpoint(host: "10.0.0.2", port: 6000), owner: ownerA)])
        #expect(server.registry.reachable(5) == Endpoint(host: "10.0.0.2", port: 6000))
        #expect(server.registry.reachable(6) == nil)
    }

    @Test func repeatedRegisterIsIdempotent() {
        var server = ServerHarness()
        let first = server.send("REGISTER 5 6000", from: ownerA)
        let table = server.rows
        for _ in 0..<3 {
            #expect(server.send("REGISTER 5 6000", from: ownerA) == first)
        }
        #expect(server.tableChanges == 1, "no table change without a real change")
        #expect(server.rows == table)
    }

    @Test func refreshWithPortChangeChangesTheTable() {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        #expect(server.send("REGISTER 5 6001", from: ownerA) == [.registered(id: 5, port: 6001)])
        #expect(server.tableChanges == 2)
        #expect(server.registry.reachable(5)?.port == 6001)
        #expect(server.send("REGISTER 5 6001", from: ownerA) == [.registered(id: 5, port: 6001)])
        #expect(server.tableChanges == 2)
    }

    @Test func idOwnedByAnotherAddressIsInUse() {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        let before = server.rows
        for _ in 0..<2 {  // idempotent refusal
            #expect(server.send("REGISTER 5 7000", from: ownerB) == [.error(code: .idInUse, id: 5)])
        }
        // Same IP, other port: still another source address.
        #expect(server.send("REGISTER 5 6000", from: Endpoint(host: "10.0.0.2", port: 40009)) == [.error(code: .idInUse, id: 5)])
        #expect(server.rows == before)
        #expect(server.tableChanges == 1)
    }

    @Test func oneAddressHoldsOneID() {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        for _ in 0..<2 {
            #expect(server.send("REGISTER 6 6000", from: ownerA) == [.error(code: .addressInUse, id: 6)])
        }
        #expect(server.registry.count == 1)
        #expect(server.tableChanges == 1)
    }

    @Test func idInUseWinsOverAddressInUse() {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        server.send("REGISTER 6 6000", from: ownerB)
        // ownerA holds 5, and 6 belongs to ownerB: both rules apply.
        #expect(server.send("REGISTER 6 6000", from: ownerA) == [.error(code: .idInUse, id: 6)])
        #expect(server.tableChanges == 2)
    }

    @Test func lookupOnlyForRegisteredSources() {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        // Unregistered source: NOT_REGISTERED carrying the looked-up id, whether or not it exists.
        #expect(server.send("LOOKUP 5", from: ownerB) == [.error(code: .notRegistered, id: 5)])
        #expect(server.send("LOOKUP 9", from: ownerB) == [.error(code: .notRegistered, id: 9)])
        server.send("REGISTER 6 6001", from: ownerB)
        for _ in 0..<2 {
            #expect(server.send("LOOKUP 5", from: ownerB) == [.peer(id: 5, host: "10.0.0.2", port: 6000)])
            #expect(server.send("LOOKUP 9", from: ownerB) == [.inactive(id: 9)])
        }
        #expect(server.send("LOOKUP 6", from: ownerB) == [.peer(id: 6, host: "10.0.0.3", port: 6001)])
        #expect(server.tableChanges == 2)
    }

    @Test func lookupSeesIPv6Owners() {
        var server = ServerHarness()
        let v6 = Endpoint(host: "::1", port: 40000)
        server.send("REGISTER 5 6000", from: v6)
        #expect(server.send("LOOKUP 5", from: v6) == [.peer(id: 5, host: "::1", port: 6000)])
    }

    @Test func leaveRules() {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        // Not the owner: refused, nothing changes (twice: idempotent).
        for _ in 0..<2 {
            #expect(server.send("LEAVE 5", from: ownerB) == [.error(code: .notOwner, id: 5)])
        }
        #expect(server.registry.count == 1)
        #expect(server.tableChanges == 1)
        // The owner: removed, LEFT, table printed.
        #expect(server.send("LEAVE 5", from: ownerA) == [.left(id: 5)])
        #expect(server.registry.count == 0)
        #expect(server.tableChanges == 2)
        // Repeated LEAVE (the LEFT was lost) and LEAVE of an unknown id: LEFT anyway, no table change.
        #expect(server.send("LEAVE 5", from: ownerA) == [.left(id: 5)])
        #expect(server.send("LEAVE 77", from: ownerC) == [.left(id: 77)])
        #expect(server.tableChanges == 2)
        // After leaving, the address may register another id and the id is free for anyone.
        #expect(server.send("REGISTER 6 6000", from: ownerA) == [.registered(id: 6, port: 6000)])
        #expect(server.send("REGISTER 5 6000", from: ownerB) == [.registered(id: 5, port: 6000)])
        #expect(server.send("LOOKUP 5", from: ownerA) == [.peer(id: 5, host: "10.0.0.3", port: 6000)])
    }

    static let garbage: [[UInt8]] = [
        Array("REGISTER 0 6000".utf8), Array("REGISTER 5 0".utf8), Array("REGISTER 5 65536".utf8), Array("REGISTER 05 6000".utf8),
        Array("register 5 6000".utf8), Array("REGISTER 5  6000".utf8), Array("REGISTER 5 6000 7".utf8), Array("LEAVE 5\n\n".utf8),
        Array("LEAVE 0".utf8), Array("LOOKUP".utf8), [0xFF, 0xFE], [], Array(repeating: 0x41, count: 1201),
        Array("LEAVE 5\r".utf8), Array("REGISTER -5 6000".utf8),
    ]

    @Test(arguments: garbage)
    func malformedChangesNothing(datagram: [UInt8]) {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        server.send("REGISTER 6 6001", from: ownerB)
        let table = server.registry.table
        let stats = server.registry.stats
        for source in [ownerA, ownerB, ownerC] {
            #expect(server.run(server.registry.receive(datagram, from: source, now: server.now), replyTo: source).isEmpty)
        }
        #expect(server.registry.table == table)
        #expect(server.tableChanges == 2)
        #expect(server.registry.stats.malformed == stats.malformed + 3)
        #expect(server.registry.stats.received == stats.received + 3)
        #expect(server.registry.stats.unexpected == stats.unexpected)
        // The registrations still behave as before.
        #expect(server.send("LOOKUP 6", from: ownerA) == [.peer(id: 6, host: "10.0.0.3", port: 6001)])
    }

    @Test(arguments: ["CONNECT 1 5", "MSG 1 5 1 hi", "REGISTERED 5 6000", "PEER 5 1.2.3.4 5", "LEFT 5", "ERROR NOT_OWNER 5", "INACTIVE 5"])
    func nonRequestsAreIgnored(text: String) {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        #expect(server.send(text, from: ownerA).isEmpty)
        #expect(server.registry.stats.unexpected == 1)
        #expect(server.registry.stats.malformed == 0)
        #expect(server.tableChanges == 1)
    }

    @Test func trailingNewlineRequestsWork() {
        var server = ServerHarness()
        #expect(server.send("REGISTER 5 6000\r\n", from: ownerA) == [.registered(id: 5, port: 6000)])
        #expect(server.send("LOOKUP 5\n", from: ownerA) == [.peer(id: 5, host: "10.0.0.2", port: 6000)])
    }

    // MARK: expiry

    @Test func noExpiryByDefault() {
        var server = ServerHarness()
        server.send("REGISTER 5 6000", from: ownerA)
        #expect(server.expiryDeadline == nil)
        #expect(server.registry.timerFired(.expiry, now: Instant(nanoseconds: Int64.max / 2)).isEmpty)
        #expect(server.registry.count == 1)
    }

    @Test func expiryDropsStaleRegistrationsOnly() {
        var server = ServerHarness(expireAfter: .seconds(60))
        server.send("REGISTER 5 6000", from: ownerA)
        #expect(server.expiryDeadline == Instant.zero + .seconds(60))
        server.now = .zero + .seconds(30)
        server.send("REGISTER 6 6001", from: ownerB)
        #expect(server.expiryDeadline == Instant.zero + .seconds(60), "one timer: not re-armed by a second registration")
        server.now = .zero + .seconds(50)
        server.send("REGISTER 6 6001", from: ownerB)  // refresh
        #expect(server.tableChanges == 2)

        // At 60 s: 5 expires (not refreshed), 6 stays; the timer is re-armed for 6 (refreshed at 50 s).
        #expect(server.fireExpiry().isEmpty)
        #expect(server.registry.table.map(\.id) == [6])
        #expect(server.tableChanges == 3)
        #expect(server.registry.stats.expired == 1)
        #expect(server.expiryDeadline == Instant.zero + .seconds(110))
        // The expired id is free again; its old address may LOOKUP no more.
        #expect(server.send("LOOKUP 6", from: ownerA) == [.error(code: .notRegistered, id: 6)])
        #expect(server.send("LOOKUP 5", from: ownerB) == [.inactive(id: 5)])

        // At 110 s: 6 expires; nothing left, nothing re-armed.
        _ = server.fireExpiry()
        #expect(server.registry.count == 0)
        #expect(server.tableChanges == 4)
        #expect(server.expiryDeadline == nil)
        // A new registration arms the timer again.
        server.send("REGISTER 7 6002", from: ownerC)
        #expect(server.expiryDeadline == server.now + .seconds(60))
    }

    @Test func expiryWithNothingStaleDoesNotPrint() {
        var server = ServerHarness(expireAfter: .seconds(60))
        server.send("REGISTER 5 6000", from: ownerA)
        server.now = .zero + .seconds(59)
        server.send("REGISTER 5 6000", from: ownerA)
        _ = server.fireExpiry()
        #expect(server.registry.count == 1)
        #expect(server.tableChanges == 1)
        #expect(server.expiryDeadline == Instant.zero + .seconds(119))
    }

    @Test func manyClientsAndIdempotentSequences() {
        var server = ServerHarness()
        for index in 1...200 {
            let source = Endpoint(host: "10.1.\(index / 256).\(index % 256)", port: 50000)
            #expect(server.send("REGISTER \(index) 6000", from: source) == [.registered(id: ClientID(index), port: 6000)])
        }
        #expect(server.registry.count == 200)
        #expect(server.registry.table.map(\.id) == Array(1...200).map { ClientID($0) })
        #expect(server.tableChanges == 200)
    }
}
