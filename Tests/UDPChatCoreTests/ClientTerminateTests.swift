import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

@Suite("Client: termination and quitting")
struct ClientTerminateTests {
    @Test func terminateWaitsForOwnMessagesThenRetriesUntilTerminated() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        alice.user(.say("one"))
        alice.user(.say("two"))
        let end = alice.user(.end)
        #expect(end.sent.isEmpty, "not before own messages are acknowledged")
        #expect(alice.client.phase == .connected)
        #expect(alice.user(.say("three")).sent.isEmpty, "no new messages while ending")
        alice.receive(.ack(conn: conn, id: bobID, seq: 2), from: bobEndpoint)
        alice.advance(by: .seconds(1))
        let terminate = alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint)
        #expect(terminate.sent == [Sent(message: .terminate(conn: conn, id: aliceID), to: bobEndpoint)])
        #expect(alice.client.phase == .terminating)
        for attempt in 2...4 {
            let deadline = alice.deadline(.terminate)!
            #expect(alice.advance(to: deadline - oneNanosecond).isEmpty)
            let step = alice.advance(to: deadline)
            #expect(step.sent == [Sent(message: .terminate(conn: conn, id: aliceID), to: bobEndpoint)])
            #expect(step.events == [.resending(what: "TERMINATE", attempt: attempt)])
        }
        #expect(alice.receive(.terminated(conn: conn, id: bobID), from: carolEndpoint).isEmpty)
        #expect(alice.receive(.terminated(conn: conn, id: carolID), from: bobEndpoint).isEmpty)
        let done = alice.receive(.terminated(conn: conn, id: bobID), from: bobEndpoint)
        #expect(done.events == [.terminated(peer: bobID, byPeer: false)])
        #expect(alice.timers.isEmpty)
        #expect(alice.client.phase == .idle)
        #expect(alice.client.liveConn == nil)
    }

    @Test func endWithNothingPendingTerminatesAtOnce() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        #expect(alice.user(.end).messages == [.terminate(conn: conn, id: aliceID)])
        #expect(alice.user(.end).sent.isEmpty)
    }

    @Test func peerTerminateIsAnsweredAndRepeatsAreAnsweredAgain() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        let step = bob.receive(.terminate(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(step.sent == [Sent(message: .terminated(conn: 42, id: bobID), to: aliceEndpoint)])
        #expect(step.events == [.terminated(peer: aliceID, byPeer: true)])
        #expect(bob.client.phase == .idle)
        // Repeats (our TERMINATED was lost) are answered for at least 5 RTO, without new displays.
        for _ in 0..<5 {
            bob.advance(by: rto)
            let again = bob.receive(.terminate(conn: 42, id: aliceID), from: aliceEndpoint)
            #expect(again.sent == [Sent(message: .terminated(conn: 42, id: bobID), to: aliceEndpoint)])
            #expect(again.events.isEmpty)
        }
        // Not for another id claiming that conn, and other datagrams for the closed conn are ignored.
        #expect(bob.receive(.terminate(conn: 42, id: carolID), from: aliceEndpoint).isEmpty)
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 1, text: "late"), from: aliceEndpoint).isEmpty)
    }

    /// Remembered TERMINATED answers last while the peer keeps asking (several repeats lost in between).
    @Test func rememberedTerminatedLastsWhileRepeated() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        bob.receive(.terminate(conn: 42, id: aliceID), from: aliceEndpoint)
        for _ in 0..<10 {
            bob.advance(by: rto * 4)
            #expect(bob.receive(.terminate(conn: 42, id: aliceID), from: aliceEndpoint).messages == [.terminated(conn: 42, id: bobID)])
        }
    }

    /// The last closed conn is answered however long the peer keeps (or stops and resumes) asking;
    /// an older closed conn is forgotten after `rememberFor`.
    @Test func lastClosedConnIsKeptUntilReplaced() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        bob.receive(.terminate(conn: 42, id: aliceID), from: aliceEndpoint)
        bob.receive(.connect(conn: 43, id: aliceID), from: aliceEndpoint)
        bob.user(.accept)
        bob.receive(.terminate(conn: 43, id: aliceID), from: aliceEndpoint)
        bob.advance(by: rto * 30)
        bob.receive(.ack(conn: 1, id: carolID, seq: 1), from: carolEndpoint)  // a sweep happens
        #expect(bob.receive(.terminate(conn: 43, id: aliceID), from: aliceEndpoint).messages == [.terminated(conn: 43, id: bobID)])
        #expect(bob.receive(.terminate(conn: 42, id: aliceID), from: aliceEndpoint).isEmpty)
    }

    @Test func peerTerminateReportsOwnUnackedMessagesAsNotDelivered() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002, window: 2)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        bob.user(.say("b1"))
        bob.user(.say("b2"))
        bob.user(.say("b3"))  // queued behind the window
        bob.receive(.ack(conn: 42, id: aliceID, seq: 1), from: aliceEndpoint)  // b3 goes out as seq 3
        bob.user(.say("b4"))  // queued
        let step = bob.receive(.terminate(conn: 42, id: aliceID), from: aliceEndpoint)
        #expect(step.messages == [.terminated(conn: 42, id: bobID)])
        #expect(step.events == [
            .terminated(peer: aliceID, byPeer: true),
            .notDelivered(seq: 2, text: "b2"), .notDelivered(seq: 3, text: "b3"), .notDelivered(seq: 4, text: "b4"),
        ])
        #expect(bob.timers.isEmpty, "no message is re-sent after the end")
        #expect(bob.advance(by: rto * 2).isEmpty)
    }

    @Test func bothSidesTerminateAtOnce() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: conn)
        let aliceTerminate = alice.user(.end).sent
        let bobTerminate = bob.user(.end).sent
        #expect(aliceTerminate.map(\.message) == [.terminate(conn: conn, id: aliceID)])
        #expect(bobTerminate.map(\.message) == [.terminate(conn: conn, id: bobID)])
        // Each answers the other's TERMINATE and the connection ends on both sides.
        let aliceAnswer = alice.receive(bobTerminate[0].message, from: bobEndpoint)
        let bobAnswer = bob.receive(aliceTerminate[0].message, from: aliceEndpoint)
        #expect(aliceAnswer.messages == [.terminated(conn: conn, id: aliceID)])
        #expect(bobAnswer.messages == [.terminated(conn: conn, id: bobID)])
        #expect(aliceAnswer.events == [.terminated(peer: bobID, byPeer: true)])
        #expect(bobAnswer.events == [.terminated(peer: aliceID, byPeer: true)])
        #expect(alice.timers.isEmpty && bob.timers.isEmpty)
        // The crossing TERMINATEDs are harmless.
        #expect(alice.receive(bobAnswer.messages[0], from: bobEndpoint).isEmpty)
        #expect(bob.receive(aliceAnswer.messages[0], from: aliceEndpoint).isEmpty)
        // One TERMINATE lost: the other side's repeat is still answered.
        #expect(bob.receive(aliceTerminate[0].message, from: aliceEndpoint).messages == [.terminated(conn: conn, id: bobID)])
        #expect(alice.client.phase == .idle && bob.client.phase == .idle)
    }

    /// The acceptor ends before the requester has seen the ACCEPT (lost): the requester ignores the
    /// TERMINATE (not its live conn yet), its repeated CONNECT is ACCEPTed by the terminating side, and
    /// the next TERMINATE is answered.
    @Test func acceptorTerminatesBeforeTheRequesterIsConnected() {
        var alice = ClientHarness()
        alice.register()
        alice.user(.connect(bobID))
        let connect = alice.receive(.peer(id: bobID, host: bobEndpoint.host, port: bobEndpoint.port), from: serverEndpoint).messages[0]
        let conn = connect.conn!
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.register()
        bob.receive(connect, from: aliceEndpoint)
        _ = bob.user(.accept)  // this ACCEPT is lost
        let terminate = bob.user(.end).messages
        #expect(terminate == [.terminate(conn: conn, id: bobID)])
        #expect(alice.receive(terminate[0], from: bobEndpoint).isEmpty)
        #expect(alice.client.phase == .connecting)
        let repeated = alice.advance(by: rto).messages
        #expect(repeated == [connect])
        let accept = bob.receive(repeated[0], from: aliceEndpoint).messages
        #expect(accept == [.accept(conn: conn, id: bobID)], "the terminating side still answers its live conn's CONNECT")
        #expect(alice.receive(accept[0], from: bobEndpoint).events == [.connected(to: bobID)])
        let again = bob.advance(by: rto).messages
        #expect(again == terminate)
        let answer = alice.receive(again[0], from: bobEndpoint)
        #expect(answer.messages == [.terminated(conn: conn, id: aliceID)])
        #expect(answer.events == [.terminated(peer: bobID, byPeer: true)])
        #expect(bob.receive(answer.messages[0], from: aliceEndpoint).events == [.terminated(peer: aliceID, byPeer: false)])
    }

    @Test func repeatedTerminateForAClosedConnAfterOwnTerminate() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        alice.user(.end)
        alice.receive(.terminated(conn: conn, id: bobID), from: bobEndpoint)
        // Bob's own TERMINATE for the conn, arriving after the end, gets TERMINATED.
        #expect(alice.receive(.terminate(conn: conn, id: bobID), from: bobEndpoint).messages == [.terminated(conn: conn, id: aliceID)])
    }

    @Test func quitEndsTheConnectionThenLeavesThenCloses() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        alice.user(.say("bye"))
        let quit = alice.user(.quit)
        #expect(quit.sent.isEmpty)
        #expect(alice.user(.say("more")).sent.isEmpty)
        let acked = alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint)
        #expect(acked.messages == [.terminate(conn: conn, id: aliceID)])
        let ended = alice.receive(.terminated(conn: conn, id: bobID), from: bobEndpoint)
        #expect(ended.messages == [.leave(id: aliceID)])
        #expect(ended.closed == nil)
        alice.advance(by: rto)
        #expect(alice.client.phase == .leaving)
        #expect(alice.receive(.left(id: aliceID), from: serverEndpoint).closed == .left)
    }

    @Test func quitWhenThePeerTerminatesFirst() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        alice.user(.say("unacked"))
        alice.user(.quit)
        let step = alice.receive(.terminate(conn: conn, id: bobID), from: bobEndpoint)
        #expect(step.messages == [.terminated(conn: conn, id: aliceID), .leave(id: aliceID)])
        #expect(step.events.contains(.notDelivered(seq: 1, text: "unacked")))
    }

    /// Regression: after a forced quit the client must be inert; a message timer that the driver
    /// had not yet cancelled used to re-send the MSG after `.close`.
    @Test func forceQuitWhileTerminatingIsFinal() {
        var alice = ClientHarness()
        alice.connectAsRequester()
        alice.user(.say("never acked"))
        alice.user(.quit)
        let forced = alice.user(.quit)
        #expect(forced.closed == .forced)
        #expect(forced.events.contains(.forcedQuit))
        #expect(alice.timers.isEmpty, "every timer is cancelled: \(alice.timers)")
        #expect(alice.client.phase == .closed)
        #expect(alice.client.timerFired(.message(1), now: alice.now + rto).isEmpty)
        #expect(alice.client.timerFired(.terminate, now: alice.now + rto).isEmpty)
        #expect(alice.client.handle(UserCommand.say("x"), now: alice.now).isEmpty)
    }
}
