import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

@Suite("Client: connection set-up")
struct ClientConnectTests {
    /// Alice registered, looked up Bob and sent CONNECT; returns the conn.
    static func connecting(_ alice: inout ClientHarness) -> ConnToken {
        alice.register()
        alice.user(.connect(bobID))
        return alice.receive(.peer(id: bobID, host: bobEndpoint.host, port: bobEndpoint.port), from: serverEndpoint).messages[0].conn!
    }

    @Test func connectIsResentUnchangedExactlyAtRTO() {
        var alice = ClientHarness()
        let conn = Self.connecting(&alice)
        for attempt in 2...6 {
            let deadline = alice.deadline(.connect)!
            #expect(alice.advance(to: deadline - oneNanosecond).isEmpty)
            let step = alice.advance(to: deadline)
            #expect(step.sent == [Sent(message: .connect(conn: conn, id: aliceID), to: bobEndpoint)])
            #expect(step.events == [.resending(what: "CONNECT", attempt: attempt)])
        }
        let accepted = alice.receive(.accept(conn: conn, id: bobID), from: bobEndpoint)
        #expect(accepted.events == [.connected(to: bobID)])
        #expect(alice.timers.isEmpty)
        #expect(alice.client.liveConn == conn)
        #expect(alice.advance(by: rto * 2).isEmpty)
    }

    @Test func rejectEndsTheAttempt() {
        var alice = ClientHarness()
        let conn = Self.connecting(&alice)
        #expect(alice.receive(.reject(conn: conn, id: bobID), from: bobEndpoint).events == [.rejected(by: bobID)])
        #expect(alice.client.phase == .idle)
        #expect(alice.timers.isEmpty)
    }

    /// The requester accepts ACCEPT, REJECT and MSG only from the PEER address, with its conn and the peer's id.
    @Test(arguments: [
        (Message.accept(conn: 0, id: bobID), carolEndpoint),
        (.accept(conn: 0, id: bobID), Endpoint(host: "10.0.0.3", port: 5003)),
        (.accept(conn: 0, id: carolID), bobEndpoint),
        (.accept(conn: 0, id: aliceID), bobEndpoint),
        (.reject(conn: 0, id: bobID), carolEndpoint),
        (.reject(conn: 0, id: carolID), bobEndpoint),
        (.msg(conn: 0, id: bobID, seq: 1, text: "hi"), carolEndpoint),
        (.msg(conn: 0, id: carolID, seq: 1, text: "hi"), bobEndpoint),
        (.accept(conn: 1, id: bobID), bobEndpoint),  // conn 1 is replaced by "another conn" below
        (.reject(conn: 1, id: bobID), bobEndpoint),
        (.msg(conn: 1, id: bobID, seq: 1, text: "hi"), bobEndpoint),
        (.terminate(conn: 0, id: bobID), bobEndpoint),
        (.ack(conn: 0, id: bobID, seq: 1), bobEndpoint),
    ])
    func strangersCannotAnswerAConnect(template: Message, source: Endpoint) {
        var alice = ClientHarness()
        let conn = Self.connecting(&alice)
        // conn 0 stands for the live conn, conn 1 for another one.
        let other = conn &+ 1 == 0 ? 1 : conn &+ 1
        let message: Message
        switch template {
        case .accept(let c, let id): message = .accept(conn: c == 0 ? conn : other, id: id)
        case .reject(let c, let id): message = .reject(conn: c == 0 ? conn : other, id: id)
        case .msg(let c, let id, let seq, let text): message = .msg(conn: c == 0 ? conn : other, id: id, seq: seq, text: text)
        case .terminate(_, let id): message = .terminate(conn: conn, id: id)
        case .ack(_, let id, let seq): message = .ack(conn: conn, id: id, seq: seq)
        default: preconditionFailure()
        }
        #expect(alice.receive(message, from: source).isEmpty)
        #expect(alice.client.phase == .connecting)
        #expect(alice.deadline(.connect) != nil)
        // The real answer still works.
        #expect(alice.receive(.accept(conn: conn, id: bobID), from: bobEndpoint).events == [.connected(to: bobID)])
    }

    @Test func msgActsAsAccept() {
        var alice = ClientHarness()
        let conn = Self.connecting(&alice)
        let step = alice.receive(.msg(conn: conn, id: bobID, seq: 1, text: "already talking"), from: bobEndpoint)
        #expect(step.events == [.connected(to: bobID), .delivered(from: bobID, seq: 1, text: "already talking")])
        #expect(step.sent == [Sent(message: .ack(conn: conn, id: aliceID, seq: 1), to: bobEndpoint)])
        #expect(alice.deadline(.connect) == nil)
        #expect(alice.client.liveConn == conn)
        // The late ACCEPT is now a duplicate and changes nothing.
        #expect(alice.receive(.accept(conn: conn, id: bobID), from: bobEndpoint).isEmpty)
    }

    @Test func msgOutOfOrderActsAsAcceptAndIsHeld() {
        var alice = ClientHarness()
        let conn = Self.connecting(&alice)
        let step = alice.receive(.msg(conn: conn, id: bobID, seq: 2, text: "second"), from: bobEndpoint)
        #expect(step.events == [.connected(to: bobID)])
        #expect(step.messages == [.ack(conn: conn, id: aliceID, seq: 2)])
        #expect(alice.receive(.msg(conn: conn, id: bobID, seq: 1, text: "first"), from: bobEndpoint).delivered == ["first", "second"])
    }

    // MARK: the requested side

    @Test func promptsOncePerConnAndRepeatsTheAnswer() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        let first = bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(first.events == [.prompt(from: aliceID, conn: 42)])
        #expect(first.sent.isEmpty)
        #expect(bob.client.phase == .prompting)
        for _ in 0..<3 {
            bob.advance(by: rto)
            #expect(bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint).isEmpty, "no second prompt while deciding")
        }
        let accept = bob.user(.accept)
        #expect(accept.sent == [Sent(message: .accept(conn: 42, id: bobID), to: aliceEndpoint)])
        #expect(accept.events == [.connected(to: aliceID)])
        // Every repeated CONNECT with that conn gets the same answer, without a prompt, for at least 5 RTO.
        for _ in 0..<5 {
            bob.advance(by: rto)
            let again = bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
            #expect(again.sent == [Sent(message: .accept(conn: 42, id: bobID), to: aliceEndpoint)])
            #expect(again.events.isEmpty)
        }
        #expect(bob.client.liveConn == 42)
    }

    @Test func rejectedConnGetsRejectAgainWithoutPrompt() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(bob.user(.reject).sent == [Sent(message: .reject(conn: 42, id: bobID), to: aliceEndpoint)])
        #expect(bob.client.phase == .idle)
        bob.advance(by: rto * 5)
        let again = bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(again.sent == [Sent(message: .reject(conn: 42, id: bobID), to: aliceEndpoint)])
        #expect(again.events.isEmpty)
        // A new conn from the same peer is a new request: prompted.
        #expect(bob.receive(.connect(conn: 43, id: aliceID), from: aliceEndpoint).events == [.prompt(from: aliceID, conn: 43)])
    }

    /// Regression: the live conn's remembered ACCEPT used to be forgotten after 6 RTO, so a CONNECT
    /// repeated later (every ACCEPT lost, no MSG yet) was answered with a busy REJECT of its own connection.
    @Test func repeatedConnectForTheLiveConnIsAcceptedForever() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        for _ in 0..<5 {
            bob.advance(by: rto * 7)  // longer than any remembered answer: every CONNECT in between was lost
            let again = bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
            #expect(again.sent == [Sent(message: .accept(conn: 42, id: bobID), to: aliceEndpoint)])
            #expect(again.events.isEmpty)
        }
        #expect(bob.client.liveConn == 42)
    }

    /// Datagrams for the live conn from anyone but the peer at its address are ignored, CONNECT included.
    @Test func connectForTheLiveConnFromStrangersIsIgnored() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        #expect(bob.receive(.connect(conn: 42, id: aliceID), from: carolEndpoint).isEmpty)
        #expect(bob.receive(.connect(conn: 42, id: carolID), from: aliceEndpoint).isEmpty)
        #expect(bob.receive(.connect(conn: 42, id: carolID), from: carolEndpoint).isEmpty)
        #expect(bob.client.liveConn == 42)
        // On the requester's side the live conn is its own: a CONNECT carrying it is not a request.
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        #expect(alice.receive(.connect(conn: conn, id: bobID), from: bobEndpoint).isEmpty)
        #expect(alice.client.liveConn == conn)
    }

    /// Remembered answers last while the requester keeps asking: each repeat restarts the memory.
    @Test func rememberedRejectLastsWhileRepeated() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        bob.user(.reject)
        for _ in 0..<10 {
            bob.advance(by: rto * 4)  // several CONNECTs lost in between
            let again = bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
            #expect(again.messages == [.reject(conn: 42, id: bobID)])
            #expect(again.events.isEmpty)
        }
    }

    /// Memory is bounded: once nobody has asked for a while (beyond 6 RTO plus one sweep period), an
    /// automatic (busy) answer is gone and the same conn is a new request; the user's last answer stays.
    @Test func rememberedAnswersAreEventuallyForgotten() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(bob.receive(.connect(conn: 43, id: carolID), from: carolEndpoint).messages == [.reject(conn: 43, id: bobID)])
        bob.user(.reject)
        for _ in 1...8 {
            bob.advance(by: rto)
            // Unrelated traffic meanwhile (a stranger's datagram) must not keep anything alive.
            bob.receive(.ack(conn: 1, id: carolID, seq: 1), from: Endpoint(host: "10.6.6.6", port: 6666))
        }
        #expect(bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint).messages == [.reject(conn: 42, id: bobID)])
        #expect(bob.receive(.connect(conn: 43, id: carolID), from: carolEndpoint).events == [.prompt(from: carolID, conn: 43)])
    }

    /// The user's last answer outlives `rememberFor`: a requester whose answers were all lost for
    /// longer than that still gets it, and is not prompted for twice.
    @Test func lastAnswerIsKeptUntilReplaced() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        bob.user(.reject)
        bob.advance(by: rto * 30)
        bob.receive(.ack(conn: 1, id: carolID, seq: 1), from: carolEndpoint)  // a sweep happens
        let late = bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(late.messages == [.reject(conn: 42, id: bobID)])
        #expect(late.events.isEmpty)
    }

    @Test(arguments: ["connecting", "prompting", "connected", "leaving", "lookingUp"])
    func busyClientRejectsWithoutPrompting(state: String) {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        switch state {
        case "connecting":
            bob.user(.connect(carolID))
            bob.receive(.peer(id: carolID, host: carolEndpoint.host, port: carolEndpoint.port), from: serverEndpoint)
        case "prompting": bob.receive(.connect(conn: 9, id: carolID), from: carolEndpoint)
        case "connected":
            bob.receive(.connect(conn: 9, id: carolID), from: carolEndpoint)
            bob.user(.accept)
        case "leaving": bob.user(.quit)
        case "lookingUp": bob.user(.connect(carolID))
        default: break
        }
        let phase = bob.client.phase
        let step = bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(step.sent == [Sent(message: .reject(conn: 42, id: bobID), to: aliceEndpoint)])
        #expect(step.events == [.busyRejected(from: aliceID)])
        #expect(bob.client.phase == phase)
        // Repeated: the same REJECT, no new display.
        let again = bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(again.messages == [.reject(conn: 42, id: bobID)])
        #expect(again.events.isEmpty)
    }

    @Test func simultaneousConnectsAreBothRejected() {
        var alice = ClientHarness(id: aliceID, seed: 1)
        var bob = ClientHarness(id: bobID, advertisedPort: 5002, seed: 2)
        alice.register()
        bob.register()
        alice.user(.connect(bobID))
        bob.user(.connect(aliceID))
        let aliceConnect = alice.receive(.peer(id: bobID, host: bobEndpoint.host, port: bobEndpoint.port), from: serverEndpoint).messages[0]
        let bobConnect = bob.receive(.peer(id: aliceID, host: aliceEndpoint.host, port: aliceEndpoint.port), from: serverEndpoint).messages[0]
        let aliceAnswer = alice.receive(bobConnect, from: bobEndpoint).messages
        let bobAnswer = bob.receive(aliceConnect, from: aliceEndpoint).messages
        #expect(aliceAnswer == [.reject(conn: bobConnect.conn!, id: aliceID)])
        #expect(bobAnswer == [.reject(conn: aliceConnect.conn!, id: bobID)])
        #expect(alice.receive(bobAnswer[0], from: bobEndpoint).events == [.rejected(by: bobID)])
        #expect(bob.receive(aliceAnswer[0], from: aliceEndpoint).events == [.rejected(by: aliceID)])
        #expect(alice.client.phase == .idle && bob.client.phase == .idle)
    }

    @Test func connectFromMyOwnIDIsIgnored() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        #expect(bob.receive(.connect(conn: 5, id: bobID), from: aliceEndpoint).isEmpty)
        #expect(bob.client.phase == .idle)
    }

    @Test func acceptedSideTalksToTheConnectSource() {
        let relay = Endpoint(host: "10.9.9.9", port: 6000)
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: relay, conn: 42)
        let say = bob.user(.say("via relay"))
        #expect(say.sent == [Sent(message: .msg(conn: 42, id: bobID, seq: 1, text: "via relay"), to: relay)])
        // Datagrams for the live conn from any other address are ignored, even Alice's own.
        #expect(bob.receive(.ack(conn: 42, id: aliceID, seq: 1), from: aliceEndpoint).isEmpty)
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 1, text: "spoof"), from: aliceEndpoint).isEmpty)
        #expect(bob.receive(.terminate(conn: 42, id: aliceID), from: aliceEndpoint).isEmpty)
        #expect(bob.deadline(.message(1)) != nil)
        #expect(bob.receive(.ack(conn: 42, id: aliceID, seq: 1), from: relay).effects == [.cancelTimer(.message(1))])
    }

    @Test func quitWhilePromptingRejects() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint)
        let quit = bob.user(.quit)
        #expect(quit.messages == [.reject(conn: 42, id: bobID), .leave(id: bobID)])
        #expect(bob.receive(.connect(conn: 42, id: aliceID), from: aliceEndpoint).messages == [.reject(conn: 42, id: bobID)])
    }
}
