import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

/// A whole conversation on the mini-network: register, connect, accept, messages both ways,
/// terminate, leave. The users react to what their consoles show, as people (or the grader) would.
struct Conversation {
    var net: MiniNetwork
    var texts: [ClientID: [String]]
    /// Who ends the connection, once it has shown all the other side's messages and typed its own.
    let ender: ClientID
    /// The ender uses /quit directly (ending the connection on the way) instead of /end then /quit.
    let enderQuitsDirectly: Bool
    var seen: [ClientID: Int] = [aliceID: 0, bobID: 0]
    // What each console has shown so far (kept incrementally: the run checks after every event).
    var registered: Set<ClientID> = []
    var terminated: Set<ClientID> = []
    var deliveredCount: [ClientID: Int] = [aliceID: 0, bobID: 0]
    var asked = false
    /// When each side will have typed its last message.
    var doneTyping: [ClientID: Instant] = [:]
    var ended = false
    var bothQuit = false
    var acceptDelay = Duration.milliseconds(700)
    var steps = 0

    /// Alice asks Bob to connect. The seed picks the impairment decisions, the message counts
    /// (Alice up to 42: beyond the window of 32), who ends the connection and how.
    init(seed: UInt64, loss: Double, duplicate: Double) {
        self.init(seed: seed, loss: loss, duplicate: duplicate, aliceSays: Int(seed % 43), bobSays: seed % 5 == 0 ? 0 : Int(seed % 7),
                  ender: (seed / 2) % 2 == 0 ? aliceID : bobID, quitDirectly: seed % 2 == 1)
    }

    init(
        seed: UInt64, loss: Double, duplicate: Double, aliceSays: Int, bobSays: Int, ender: ClientID, quitDirectly: Bool,
        expireAfter: Duration? = nil, refreshEvery: Duration? = nil, bobRelay: MiniNetwork.Relay? = nil
    ) {
        let impairment = MiniNetwork.Impairment(loss: loss, duplicate: duplicate, minDelay: .milliseconds(1), maxDelay: .milliseconds(300))
        net = MiniNetwork(seed: seed, impairment: impairment, server: ServerConfig(expireAfter: expireAfter))
        net.addClient(id: aliceID, at: aliceEndpoint, refreshEvery: refreshEvery, seed: seed)
        net.addClient(id: bobID, at: bobEndpoint, advertisedPort: bobRelay?.outer.port, refreshEvery: refreshEvery, seed: seed)
        if let bobRelay { net.relays.append(bobRelay) }
        texts = [
            aliceID: (0..<aliceSays).map { "a\($0 + 1) from alice" },
            bobID: (0..<bobSays).map { "b\($0 + 1) from bob" },
        ]
        self.ender = ender
        enderQuitsDirectly = quitDirectly
    }

    var other: ClientID { ender == aliceID ? bobID : aliceID }

    mutating func user(_ id: ClientID, _ command: UserCommand, after delay: Duration) {
        net.schedule(.user(id, command), at: net.now + delay)
    }

    /// The users' reactions to new console lines.
    mutating func react() {
        for id in [aliceID, bobID] {
            let events = net.displayed[id]!
            for event in events[seen[id]!...] {
                switch event {
                case .registered: registered.insert(id)
                case .terminated: terminated.insert(id)
                case .delivered: deliveredCount[id]! += 1
                default: break
                }
                switch (id, event) {
                case (bobID, .prompt): user(bobID, .accept, after: acceptDelay)
                case (_, .connected):
                    let spacing: Int64 = id == aliceID ? 5 : 7
                    for (index, text) in texts[id]!.enumerated() { user(id, .say(text), after: .milliseconds(spacing * Int64(index))) }
                    doneTyping[id] = net.now + .milliseconds(spacing * Int64(texts[id]!.count))
                case (aliceID, .inactive), (aliceID, .rejected), (aliceID, .lookupRefused):
                    user(aliceID, .connect(bobID), after: .seconds(1))
                default: break
                }
            }
            seen[id] = events.count
        }
        if !asked, registered.contains(aliceID), registered.contains(bobID) {
            asked = true
            user(aliceID, .connect(bobID), after: .milliseconds(100))
        }
        if !ended, let done = doneTyping[ender], deliveredCount[ender] == texts[other]!.count {
            ended = true
            let after = max(done - net.now, .zero) + .milliseconds(50)
            user(ender, enderQuitsDirectly ? .quit : .end, after: after)
        }
        if !bothQuit, terminated.contains(aliceID), terminated.contains(bobID) {
            // Both consoles say the connection is over: both leave.
            bothQuit = true
            if !enderQuitsDirectly { user(ender, .quit, after: .milliseconds(10)) }
            user(other, .quit, after: .milliseconds(20))
        }
    }

    /// When set, a hostile host sends this share of extra datagrams (one per processed event on
    /// average at 1.0) to the clients and the server: spoofed peer verbs carrying the live conn and
    /// real ids from its own address, wrong conns and ids, stale verbs, and garbage bytes.
    var strangerRate = 0.0
    var strangerRandom = SplitMix64(seed: 0)
    var strangerSent = 0
    static let stranger = Endpoint(host: "10.6.6.6", port: 6666)

    mutating func run(maxSteps: Int = 200_000) {
        net.start(aliceID)
        net.start(bobID)
        react()
        while steps < maxSteps, net.step() {
            steps += 1
            react()
            if strangerRate > 0, net.exits.count < 2, strangerRandom.nextUnit() < strangerRate { injectStranger() }
        }
    }

    mutating func injectStranger() {
        let live = net.clients[aliceID]!.liveConn ?? net.clients[bobID]!.liveConn ?? 1
        let conns: [ConnToken] = [live, live &+ 1, UInt32.random(in: 1...UInt32.max, using: &strangerRandom)]
        let ids: [ClientID] = [aliceID, bobID, carolID]
        let conn = conns.randomElement(using: &strangerRandom)!
        let id = ids.randomElement(using: &strangerRandom)!
        let seq = SeqNo.random(in: 1...40, using: &strangerRandom)
        let peerVerbs: [Message] = [
            .accept(conn: conn, id: id), .reject(conn: conn, id: id), .msg(conn: conn, id: id, seq: seq, text: "injected \(seq)"),
            .ack(conn: conn, id: id, seq: seq), .terminate(conn: conn, id: id), .terminated(conn: conn, id: id),
            .registered(id: id, port: 1), .left(id: id), .peer(id: id, host: "10.6.6.6", port: 6666), .inactive(id: id),
        ]
        let serverVerbs: [Message] = [.lookup(id: id), .leave(id: aliceID), .leave(id: bobID), .msg(conn: conn, id: id, seq: seq, text: "x")]
        let garbage: [[UInt8]] = [
            Array("MSG \(conn) \(id) 0 zero".utf8), Array("ACK \(conn) \(id)".utf8), [0xFF, 0x00, 0x0A],
            Array("TERMINATE \(conn) \(id)\n\n".utf8), Array("accept \(conn) \(id)".utf8), Array(repeating: 0x41, count: 1300),
        ]
        let target = [aliceEndpoint, bobEndpoint, serverEndpoint].randomElement(using: &strangerRandom)!
        let bytes: [UInt8]
        if strangerRandom.nextUnit() < 0.3 {
            bytes = garbage.randomElement(using: &strangerRandom)!
        } else {
            bytes = (target == serverEndpoint ? serverVerbs : peerVerbs).randomElement(using: &strangerRandom)!.bytes
        }
        strangerSent += 1
        net.schedule(.datagram(bytes, from: Self.stranger, to: target), at: net.now + .microseconds(Int64(strangerRandom.next() % 5000)))
    }
}

@Suite("Mini-network conversations")
struct ConversationTests {
    func check(_ conversation: Conversation, sourceLocation: SourceLocation = #_sourceLocation) {
        let net = conversation.net
        let context = "lost \(net.datagramsLost)/\(net.datagramsSent), at \(net.now)"
        #expect(net.delivered(bobID) == conversation.texts[aliceID], "\(context)", sourceLocation: sourceLocation)
        #expect(net.delivered(aliceID) == conversation.texts[bobID], "\(context)", sourceLocation: sourceLocation)
        #expect(net.exits[aliceID] == .left, "alice: \(net.displayed[aliceID]!.suffix(5)) \(context)", sourceLocation: sourceLocation)
        #expect(net.exits[bobID] == .left, "bob: \(net.displayed[bobID]!.suffix(5)) \(context)", sourceLocation: sourceLocation)
        #expect(net.server.count == 0, sourceLocation: sourceLocation)
        #expect(net.tableChanges == 4, "two joins and two leaves", sourceLocation: sourceLocation)
        for id in [aliceID, bobID] {
            let events = net.displayed[id]!
            #expect(events.count { if case .connected = $0 { true } else { false } } == 1, sourceLocation: sourceLocation)
            #expect(events.count { if case .terminated = $0 { true } else { false } } == 1, sourceLocation: sourceLocation)
            #expect(events.count { if case .left = $0 { true } else { false } } == 1, sourceLocation: sourceLocation)
        }
        #expect(net.displayed[bobID]!.count { if case .prompt = $0 { true } else { false } } == 1, "one prompt", sourceLocation: sourceLocation)
        // The ender's messages were all acknowledged before its TERMINATE; the other side's "not
        // delivered" ones (ACKs lost) were in fact all shown, as checked above.
        #expect(!net.didDisplay(conversation.ender) { if case .notDelivered = $0 { true } else { false } }, sourceLocation: sourceLocation)
        #expect(net.queue.isEmpty, "nothing left to do: \(net.queue.count) events", sourceLocation: sourceLocation)
        if conversation.strangerSent == 0 {
            #expect(net.clients.values.allSatisfy { $0.stats.malformed == 0 }, sourceLocation: sourceLocation)
        }
    }

    @Test func perfectNetwork() {
        var conversation = Conversation(seed: 41, loss: 0, duplicate: 0)
        conversation.run()
        check(conversation)
        // Without loss nothing is ever re-sent.
        #expect(conversation.net.clients.values.allSatisfy { $0.stats.resends == 0 })
        #expect(conversation.net.datagramsLost == 0)
    }

    @Test func lossyNetworkManySeeds() {
        var totalLost = 0
        var totalResends = 0
        for seed in 0..<200 as Range<UInt64> {
            var conversation = Conversation(seed: seed, loss: 0.3, duplicate: 0.2)
            conversation.run()
            check(conversation)
            totalLost += conversation.net.datagramsLost
            totalResends += conversation.net.clients.values.map(\.stats.resends).reduce(0, +)
            if conversation.net.exits.count != 2 {
                Issue.record("seed \(seed) did not finish")
                break
            }
        }
        #expect(totalLost > 1000, "the impairment really dropped datagrams")
        #expect(totalResends > 1000)
    }

    /// Bob accepts and ends at once: his TERMINATE may reach Alice while she is still connecting (ignored:
    /// not her live conn); her repeated CONNECT gets the ACCEPT again, then the TERMINATE is answered.
    @Test(arguments: [false, true])
    func acceptorEndsAtOnce(quitDirectly: Bool) {
        for seed in 0..<50 as Range<UInt64> {
            var conversation = Conversation(seed: seed, loss: 0.3, duplicate: 0.2, aliceSays: 0, bobSays: 0, ender: bobID, quitDirectly: quitDirectly)
            conversation.run()
            check(conversation)
        }
        // Without loss, the exact order of events at Alice.
        var clean = Conversation(seed: 1, loss: 0, duplicate: 0, aliceSays: 0, bobSays: 0, ender: bobID, quitDirectly: quitDirectly)
        clean.run()
        check(clean)
        let alice = clean.net.displayed[aliceID]!.filter { if case .notice = $0 { false } else { true } }
        #expect(alice == [
            .registered(id: aliceID, port: 5001), .lookingUp(bobID), .connecting(to: bobID, at: bobEndpoint), .connected(to: bobID),
            .terminated(peer: bobID, byPeer: true), .left(id: aliceID),
        ])
    }

    /// A server that expires registrations after 60 s and clients that refresh every 5 s: long
    /// conversations (Bob thinks for two minutes before accepting) lose nobody on the way. (With 30%
    /// loss, refreshing every 10 s loses a registration now and then: 5–6 refreshes lost in a row.)
    @Test func refreshingClientsOutliveServerExpiry() {
        for seed in 0..<40 as Range<UInt64> {
            var conversation = Conversation(seed: seed, loss: 0.3, duplicate: 0.2, aliceSays: 40, bobSays: 5, ender: seed % 2 == 0 ? aliceID : bobID,
                                            quitDirectly: seed % 3 == 0, expireAfter: .seconds(60), refreshEvery: .seconds(5))
            conversation.acceptDelay = .seconds(120)
            conversation.run()
            check(conversation)
            #expect(conversation.net.server.stats.expired == 0)
            #expect(conversation.net.now > Instant.zero + .seconds(120))
        }
    }

    /// A hostile host keeps injecting spoofed, stale and malformed datagrams from its own address
    /// into a lossy conversation: none of them changes what anybody shows or how it ends.
    @Test func strangersChangeNothing() {
        var injected = 0
        var ignored = 0
        var malformed = 0
        for seed in 0..<60 as Range<UInt64> {
            var conversation = Conversation(seed: seed, loss: 0.3, duplicate: 0.2)
            conversation.strangerRate = 0.5
            conversation.strangerRandom = SplitMix64.stream(seed: seed, label: "stranger")
            conversation.run()
            check(conversation)
            injected += conversation.strangerSent
            ignored += conversation.net.clients.values.map(\.stats.ignored).reduce(0, +)
            malformed += conversation.net.clients.values.map(\.stats.malformed).reduce(0, +) + conversation.net.server.stats.malformed
            #expect(!conversation.net.displayed.values.joined().contains { "\($0)".contains("injected") })
        }
        #expect(injected > 5_000)
        #expect(ignored > 1_000)
        #expect(malformed > 1_000)
    }

    /// Bob behind a relay on his host: he advertises the relay's port, the server's PEER gives that
    /// port, Alice talks only to the relay, Bob to the relay's inner side; both hops are lossy.
    @Test func bobBehindARelay() {
        let relay = MiniNetwork.Relay(
            outer: Endpoint(host: bobEndpoint.host, port: 6002), inner: Endpoint(host: bobEndpoint.host, port: 6003), client: bobEndpoint)
        for seed in 0..<40 as Range<UInt64> {
            var conversation = Conversation(seed: seed, loss: 0.3, duplicate: 0.2, aliceSays: Int(seed % 35), bobSays: Int(seed % 4),
                                            ender: seed % 2 == 0 ? aliceID : bobID, quitDirectly: seed % 3 == 0, bobRelay: relay)
            conversation.run()
            check(conversation)
            #expect(conversation.net.displayed[aliceID]!.contains(.connecting(to: bobID, at: relay.outer)))
        }
    }

    @Test func sameSeedSameRun() {
        var first = Conversation(seed: 7, loss: 0.3, duplicate: 0.2)
        var second = Conversation(seed: 7, loss: 0.3, duplicate: 0.2)
        first.run()
        second.run()
        #expect(first.net.displayed == second.net.displayed)
        #expect(first.net.now == second.net.now)
        #expect(first.net.datagramsSent == second.net.datagramsSent)
    }
}
