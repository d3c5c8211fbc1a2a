import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

@Suite("Client: messages")
struct ClientSessionTests {
    @Test func messageIsResentUnchangedExactlyAtRTOUntilAcked() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        alice.advance(by: .milliseconds(1234))
        let say = alice.user(.say("hello bob"))
        let expected = Sent(message: .msg(conn: conn, id: aliceID, seq: 1, text: "hello bob"), to: bobEndpoint)
        #expect(say.sent == [expected])
        for attempt in 2...4 {
            let deadline = alice.deadline(.message(1))!
            #expect(alice.advance(to: deadline - oneNanosecond).isEmpty)
            let step = alice.advance(to: deadline)
            #expect(step.sent == [expected])
            #expect(step.events == [.resending(what: "MSG 1", attempt: attempt)])
            #expect(step.events[0].description == "re-sending MSG 1, attempt \(attempt)")
        }
        // ACKs from strangers or for other seqs change nothing.
        #expect(alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: carolEndpoint).isEmpty)
        #expect(alice.receive(.ack(conn: conn &+ 1, id: bobID, seq: 1), from: bobEndpoint).isEmpty)
        #expect(alice.receive(.ack(conn: conn, id: carolID, seq: 1), from: bobEndpoint).isEmpty)
        #expect(alice.receive(.ack(conn: conn, id: bobID, seq: 2), from: bobEndpoint).isEmpty)
        #expect(alice.deadline(.message(1)) != nil)
        #expect(alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint).effects == [.cancelTimer(.message(1))])
        #expect(alice.timers.isEmpty)
        #expect(alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint).isEmpty, "duplicate ACK")
        #expect(alice.advance(by: rto * 3).isEmpty)
    }

    /// The next re-send is one RTO after the previous transmission, even when a busy driver fires late.
    @Test func lateTimerRearmsFromTheActualTransmission() {
        var alice = ClientHarness()
        alice.connectAsRequester()
        alice.user(.say("x"))
        let late = alice.deadline(.message(1))! + .seconds(3)
        let effects = alice.client.timerFired(.message(1), now: late)
        #expect(effects.contains(.armTimer(.message(1), at: late + rto)))
        // A timer for a message that is no longer in flight does nothing.
        #expect(alice.client.timerFired(.message(9), now: late).isEmpty)
    }

    @Test func sequenceNumbersCountFromOnePerConnection() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        let seqs = (1...5).flatMap { alice.user(.say("m\($0)")).messages.compactMap(\.seq) }
        #expect(seqs == [1, 2, 3, 4, 5])
        for seq in 1...5 { alice.receive(.ack(conn: conn, id: bobID, seq: SeqNo(seq)), from: bobEndpoint) }
        alice.user(.end)
        alice.receive(.terminated(conn: conn, id: bobID), from: bobEndpoint)
        let next = alice.connectAsRequesterAgain()
        #expect(alice.user(.say("new")).messages == [.msg(conn: next, id: aliceID, seq: 1, text: "new")])
    }

    @Test func duplicatesAreAckedAgainAndDiscarded() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        let first = bob.receive(.msg(conn: 42, id: aliceID, seq: 1, text: "one"), from: aliceEndpoint)
        #expect(first.delivered == ["one"])
        #expect(first.sent == [Sent(message: .ack(conn: 42, id: bobID, seq: 1), to: aliceEndpoint)])
        for _ in 0..<3 {
            let dup = bob.receive(.msg(conn: 42, id: aliceID, seq: 1, text: "one"), from: aliceEndpoint)
            #expect(dup.delivered.isEmpty)
            #expect(dup.sent == [Sent(message: .ack(conn: 42, id: bobID, seq: 1), to: aliceEndpoint)])
            #expect(dup.events == [.duplicateDiscarded(from: aliceID, seq: 1)])
            #expect(!dup.events[0].description.contains("one"), "the duplicate's text is not shown again")
        }
        #expect(bob.delivered == ["one"])
    }

    @Test func outOfOrderIsHeldAndShownInOrder() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        var delivered: [String] = []
        for seq in [3, 5, 2, 3, 4, 1, 6] as [SeqNo] {
            let step = bob.receive(.msg(conn: 42, id: aliceID, seq: seq, text: "m\(seq)"), from: aliceEndpoint)
            #expect(step.messages == [.ack(conn: 42, id: bobID, seq: seq)], "every in-window MSG is acknowledged")
            delivered += step.delivered
            if seq == 2 || seq == 4 || seq == 5 { #expect(step.delivered.isEmpty) }
        }
        #expect(delivered == ["m1", "m2", "m3", "m4", "m5", "m6"])
        #expect(bob.events.filter { if case .delivered = $0 { true } else { false } }.map(\.description) == (1...6).map { "[1] m\($0)" })
    }

    @Test func receiveWindowIs32() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        // next = 1: 32 is the last seq inside the window, 33 is dropped without an ACK.
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 33, text: "too far"), from: aliceEndpoint).isEmpty)
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 1000, text: "too far"), from: aliceEndpoint).isEmpty)
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 32, text: "m32"), from: aliceEndpoint).messages == [.ack(conn: 42, id: bobID, seq: 32)])
        // After 1 is delivered, next = 2 and 33 fits.
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 1, text: "m1"), from: aliceEndpoint).delivered == ["m1"])
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 34, text: "x"), from: aliceEndpoint).isEmpty)
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 33, text: "m33"), from: aliceEndpoint).messages == [.ack(conn: 42, id: bobID, seq: 33)])
        var delivered: [String] = []
        for seq in 2...31 as ClosedRange<SeqNo> {
            delivered += bob.receive(.msg(conn: 42, id: aliceID, seq: seq, text: "m\(seq)"), from: aliceEndpoint).delivered
        }
        #expect(delivered == (2...33).map { "m\($0)" })
        #expect(bob.delivered.count == 33)
    }

    @Test func sendWindowIs32() {
        var alice = ClientHarness()
        let conn = alice.connectAsRequester()
        var sent: [SeqNo] = []
        for index in 1...40 {
            sent += alice.user(.say("m\(index)")).messages.compactMap(\.seq)
        }
        #expect(sent == Array(1...32), "the 33rd message waits for an ACK")
        #expect(alice.events.last == .notice("window full: message queued (8 waiting)"))
        // An ACK that is not the lowest unacknowledged one does not open the window.
        #expect(alice.receive(.ack(conn: conn, id: bobID, seq: 2), from: bobEndpoint).messages.isEmpty)
        // The lowest one does: the lowest unacknowledged is then 3, so seqs below 35 may be in flight.
        let opened = alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint)
        #expect(opened.messages.compactMap(\.seq) == [33, 34])
        #expect(alice.deadline(.message(33)) == alice.now + rto)
        // Every message in flight (3 … 34) is re-sent at its own RTO, nothing else.
        let resent = alice.advance(by: rto)
        #expect(resent.messages.compactMap(\.seq).sorted() == Array(3...34))
    }

    @Test func stopAndWaitWindowOfOne() {
        var alice = ClientHarness(window: 1)
        let conn = alice.connectAsRequester()
        #expect(alice.user(.say("a")).messages.count == 1)
        #expect(alice.user(.say("b")).messages.isEmpty)
        #expect(alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint).messages == [.msg(conn: conn, id: aliceID, seq: 2, text: "b")])
    }

    @Test func invalidTextIsNotSent() {
        var alice = ClientHarness()
        alice.connectAsRequester()
        for bad in [String(repeating: "x", count: 1001), "a\rb", "nul\u{0}"] {
            let step = alice.user(.say(bad))
            #expect(step.sent.isEmpty)
            #expect(step.events.count == 1)
        }
        #expect(alice.user(.say(String(repeating: "x", count: 1000))).messages.count == 1)
    }

    @Test func sayWhenNotConnectedIsRefused() {
        var alice = ClientHarness()
        alice.register()
        let step = alice.user(.say("anyone?"))
        #expect(step.sent.isEmpty)
        #expect(step.events == [.notice("not connected: message not sent (/connect N first)")])
    }

    @Test func strangersAndMalformedDoNotTouchTheSession() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        let strangers: [(Message, Endpoint)] = [
            (.msg(conn: 42, id: aliceID, seq: 1, text: "x"), carolEndpoint),
            (.msg(conn: 42, id: carolID, seq: 1, text: "x"), aliceEndpoint),
            (.msg(conn: 43, id: aliceID, seq: 1, text: "x"), aliceEndpoint),
            (.terminate(conn: 43, id: aliceID), aliceEndpoint),
            (.terminate(conn: 42, id: carolID), aliceEndpoint),
            (.terminated(conn: 42, id: aliceID), aliceEndpoint),  // we never sent TERMINATE
            (.accept(conn: 42, id: aliceID), aliceEndpoint),
            (.registered(id: bobID, port: 5002), aliceEndpoint),
        ]
        for (message, source) in strangers {
            #expect(bob.receive(message, from: source).isEmpty, "\(message) from \(source)")
        }
        for raw in ["MSG 42 1 1", "MSG 42 1 0 x", "MSG 42 1 1 a\nb", "TERMINATE 42", "ACK 42 1 01", "MSG 42 1 1 \u{0}"] {
            #expect(bob.receive(raw: Array(raw.utf8), from: aliceEndpoint).isEmpty, "\(raw)")
        }
        #expect(bob.client.stats.malformed == 6)
        #expect(bob.client.liveConn == 42)
        #expect(bob.receive(.msg(conn: 42, id: aliceID, seq: 1, text: "real"), from: aliceEndpoint).delivered == ["real"])
    }
}

extension ClientHarness {
    /// Already registered and idle: connect to Bob again; returns the new conn.
    mutating func connectAsRequesterAgain() -> ConnToken {
        user(.connect(bobID))
        let conn = receive(.peer(id: bobID, host: bobEndpoint.host, port: bobEndpoint.port), from: serverEndpoint).messages.first!.conn!
        receive(.accept(conn: conn, id: bobID), from: bobEndpoint)
        return conn
    }
}
