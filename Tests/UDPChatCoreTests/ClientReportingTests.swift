import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

/// The opt-in reports an interactive console uses: own messages' delivery, and silence.
@Suite("Client: delivery and silence reports")
struct ClientReportingTests {
    static func harness(reportsDelivery: Bool = false, notAnsweringAfter: Int? = nil, window: Int = 32) -> ClientHarness {
        var harness = ClientHarness(window: window)
        var config = harness.client.config
        config.reportsDelivery = reportsDelivery
        config.notAnsweringAfter = notAnsweringAfter
        harness.client = ChatClient(config: config, random: SplitMix64(seed: 1))
        return harness
    }

    @Test func ownMessagesAreReportedSentThenAcknowledged() {
        var alice = Self.harness(reportsDelivery: true)
        let conn = alice.connectAsRequester()
        let say = alice.user(.say("hello bob"))
        #expect(say.events == [.sent(seq: 1, text: "hello bob")])
        #expect(say.events[0].description == "sent message 1: hello bob")
        let resend = alice.advance(by: rto)
        #expect(resend.events == [.resending(what: "MSG 1", attempt: 2)])
        #expect(resend.events[0].resentSeq == 1)
        let ack = alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint)
        #expect(ack.events == [.acknowledged(seq: 1, text: "hello bob")])
        #expect(ack.events[0].description == "message 1 delivered")
        #expect(alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint).isEmpty, "a duplicate ACK reports nothing")
    }

    @Test func aQueuedMessageIsReportedSentWhenTheWindowLetsItGo() {
        var alice = Self.harness(reportsDelivery: true, window: 1)
        let conn = alice.connectAsRequester()
        alice.user(.say("one"))
        #expect(!alice.user(.say("two")).events.contains(.sent(seq: 2, text: "two")))
        let ack = alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint)
        #expect(ack.events == [.acknowledged(seq: 1, text: "one"), .sent(seq: 2, text: "two")])
    }

    @Test func deliveryIsNotReportedByDefault() {
        var alice = Self.harness()
        let conn = alice.connectAsRequester()
        #expect(alice.user(.say("x")).events.isEmpty)
        #expect(alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint).events.isEmpty)
        #expect(ClientEvent.resending(what: "CONNECT", attempt: 2).resentSeq == nil)
    }

    @Test func anUnansweredServerIsReportedOnceAfterThreeResends() {
        var alice = Self.harness(notAnsweringAfter: 3)
        alice.start()
        for attempt in 2...3 {
            #expect(alice.advance(by: rto).events == [.resending(what: "REGISTER", attempt: attempt)])
        }
        #expect(alice.advance(by: rto - oneNanosecond).isEmpty)
        let third = alice.advance(by: oneNanosecond)
        #expect(third.events == [.resending(what: "REGISTER", attempt: 4), .notAnswering(peer: nil, at: serverEndpoint, what: "REGISTER", attempts: 4)])
        #expect(third.events[1].description == "the server at 10.0.0.1:7070 is not answering (REGISTER sent 4 times); still trying "
                + "(/quit, then /quit again, leaves without its answer)")
        #expect(alice.advance(by: rto * 5).events.allSatisfy { if case .resending = $0 { true } else { false } }, "said once")
    }

    @Test func anUnansweredPeerIsReportedOncePerSilence() {
        var alice = Self.harness(notAnsweringAfter: 3)
        let conn = alice.connectAsRequester()
        alice.user(.say("one"))
        alice.user(.say("two"))
        let third = alice.advance(by: rto * 3)
        let notes = third.events.filter { if case .notAnswering = $0 { true } else { false } }
        #expect(notes == [.notAnswering(peer: bobID, at: bobEndpoint, what: "MSG 1", attempts: 4)], "one note for both silent messages")
        #expect(notes[0].description == "client 2 at \(bobEndpoint) is not answering (MSG 1 sent 4 times); still trying "
                + "(/cancel or /end stops waiting; /quit twice leaves at once)")
        // Bob is heard from: a later silence is reported again.
        alice.receive(.ack(conn: conn, id: bobID, seq: 1), from: bobEndpoint)
        alice.receive(.ack(conn: conn, id: bobID, seq: 2), from: bobEndpoint)
        alice.user(.say("three"))
        #expect(alice.advance(by: rto * 2).events == [.resending(what: "MSG 3", attempt: 2), .resending(what: "MSG 3", attempt: 3)])
        #expect(alice.advance(by: rto).events.last == .notAnswering(peer: bobID, at: bobEndpoint, what: "MSG 3", attempts: 4))
    }

    @Test("a /quit while the connection is already ending says what it waits for and how to leave at once")
    func quitWhileEndingSaysWhatItWaitsFor() {
        var alice = Self.harness()
        _ = alice.connectAsRequester()
        alice.user(.end)
        let quit = alice.user(.quit)
        #expect(quit.events == [.notice("quitting: waiting for client 2 to acknowledge the end of the connection; "
                                        + "/quit again to leave without its or the server's acknowledgement")])
        #expect(alice.user(.quit).events.contains(.forcedQuit))
    }

    @Test("an ID_IN_USE refusal says what to do about it")
    func idInUseSaysHowToRecover() {
        #expect(ClientEvent.registrationRefused(.idInUse).description.hasPrefix("registration refused by the server: ID_IN_USE (another address holds this id"))
        #expect(ClientEvent.registrationRefused(.idInUse).description.contains("start with another --id"))
    }

    @Test func theEndNoticeCountsPendingMessagesInWords() {
        var alice = Self.harness()
        alice.connectAsRequester()
        alice.user(.say("one"))
        #expect(alice.user(.end).events == [.notice("ending the connection once your pending message is acknowledged")])
        var bob = Self.harness()
        bob.connectAsRequester()
        bob.user(.say("one"))
        bob.user(.say("two"))
        #expect(bob.user(.end).events == [.notice("ending the connection once your 2 pending messages are acknowledged")])
    }
}
