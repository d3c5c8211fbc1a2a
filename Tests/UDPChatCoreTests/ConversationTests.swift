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
    var asked = false
    /// When each side will have typed its last message.
    var doneTyping: [ClientID: Instant] = [:]
    var ended = false
    var bothQuit = false
    var steps = 0

    /// Alice asks Bob to connect. The seed picks the impairment decisions, the message counts
    /// (Alice up to 42: beyond the window of 32), who ends the connection and how.
    init(seed: UInt64, loss: Double, duplicate: Double) {
        self.init(seed: seed, loss: loss, duplicate: duplicate, aliceSays: Int(seed % 43), bobSays: seed % 5 == 0 ? 0 : Int(seed % 7),
                  ender: (seed / 2) % 2 == 0 ? aliceID : bobID, quitDirectly: seed % 2 == 1)
    }

    init(seed: UInt64, loss: Double, duplicate: Double, aliceSays: Int, bobSays: Int, ender: ClientID, quitDirectly: Bool) {
        let impairment = MiniNetwork.Impairment(loss: loss, duplicate: duplicate, minDelay: .milliseconds(1), maxDelay: .milliseconds(300))
        net = MiniNetwork(seed: seed, impairment: impairment)
        net.addClient(id: aliceID, at: aliceEndpoint, seed: seed)
        net.addClient(id: bobID, at: bobEndpoint, seed: seed)
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
                switch (id, event) {
                case (bobID, .prompt): user(bobID, .accept, after: .milliseconds(700))
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
        func registered(_ id: ClientID) -> Bool { net.didDisplay(id) { if case .registered = $0 { true } else { false } } }
        if !asked, registered(aliceID), registered(bobID) {
            asked = true
            user(aliceID, .connect(bobID), after: .milliseconds(100))
        }
        if !ended, let done = doneTyping[ender], net.delivered(ender).count == texts[other]!.count {
            ended = true
            let after = max(done - net.now, .zero) + .milliseconds(50)
            user(ender, enderQuitsDirectly ? .quit : .end, after: after)
        }
        func terminated(_ id: ClientID) -> Bool { net.didDisplay(id) { if case .terminated = $0 { true } else { false } } }
        if !bothQuit, terminated(aliceID), terminated(bobID) {
            // Both consoles say the connection is over: both leave.
            bothQuit = true
            if !enderQuitsDirectly { user(ender, .quit, after: .milliseconds(10)) }
            user(other, .quit, after: .milliseconds(20))
        }
    }

    mutating func run(maxSteps: Int = 200_000) {
        net.start(aliceID)
        net.start(bobID)
        react()
        while steps < maxSteps, net.step() {
            steps += 1
            react()
        }
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
        #expect(net.clients.values.allSatisfy { $0.stats.malformed == 0 }, sourceLocation: sourceLocation)
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
