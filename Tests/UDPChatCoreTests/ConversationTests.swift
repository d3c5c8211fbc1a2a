import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

/// A whole conversation on the mini-network: register, connect, accept, messages both ways,
/// terminate, leave. The users react to what their consoles show, as people (or the grader) would.
struct Conversation {
    var net: MiniNetwork
    let aliceTexts: [String]
    let bobTexts: [String]
    /// Alice ends with /quit directly (ending the connection on the way) instead of /end then /quit.
    let aliceQuitsDirectly: Bool
    var seen: [ClientID: Int] = [aliceID: 0, bobID: 0]
    var asked = false
    /// When Alice will have typed her last message (she ends the connection only after that).
    var aliceDoneTyping: Instant?
    var aliceEnded = false
    var bothQuit = false
    var steps = 0

    init(seed: UInt64, loss: Double, duplicate: Double) {
        let impairment = MiniNetwork.Impairment(loss: loss, duplicate: duplicate, minDelay: .milliseconds(1), maxDelay: .milliseconds(300))
        net = MiniNetwork(seed: seed, impairment: impairment)
        net.addClient(id: aliceID, at: aliceEndpoint, seed: seed)
        net.addClient(id: bobID, at: bobEndpoint, seed: seed)
        aliceTexts = (1...(3 + Int(seed % 40))).map { "a\($0) from alice" }
        bobTexts = (1...(1 + Int(seed % 7))).map { "b\($0) from bob" }
        aliceQuitsDirectly = seed % 2 == 1
    }

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
                case (aliceID, .connected):
                    for (index, text) in aliceTexts.enumerated() { user(aliceID, .say(text), after: .milliseconds(5 * Int64(index))) }
                    aliceDoneTyping = net.now + .milliseconds(5 * Int64(aliceTexts.count))
                case (bobID, .connected):
                    for (index, text) in bobTexts.enumerated() { user(bobID, .say(text), after: .milliseconds(7 * Int64(index))) }
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
        if !aliceEnded, let done = aliceDoneTyping, net.delivered(aliceID).count == bobTexts.count {
            aliceEnded = true
            let after = max(done - net.now, .zero) + .milliseconds(50)
            user(aliceID, aliceQuitsDirectly ? .quit : .end, after: after)
        }
        func terminated(_ id: ClientID) -> Bool { net.didDisplay(id) { if case .terminated = $0 { true } else { false } } }
        if !bothQuit, terminated(aliceID), terminated(bobID) {
            bothQuit = true
            if !aliceQuitsDirectly { user(aliceID, .quit, after: .milliseconds(10)) }
            user(bobID, .quit, after: .milliseconds(20))
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
        #expect(net.delivered(bobID) == conversation.aliceTexts, "\(context)", sourceLocation: sourceLocation)
        #expect(net.delivered(aliceID) == conversation.bobTexts, "\(context)", sourceLocation: sourceLocation)
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
        // Alice ended the connection, so all her messages were acknowledged first.
        #expect(!net.didDisplay(aliceID) { if case .notDelivered = $0 { true } else { false } }, sourceLocation: sourceLocation)
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
