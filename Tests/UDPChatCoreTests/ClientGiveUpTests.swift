import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

/// The give-up limit (`ClientConfig.giveUpAfter`, `udpchat client --give-up N`; PROTOCOL.md GIVE-2).
@Suite("Client: give-up limit")
struct ClientGiveUpTests {
    static func harness(giveUpAfter: Int?) -> ClientHarness {
        var harness = ClientHarness()
        var config = harness.client.config
        config.giveUpAfter = giveUpAfter
        harness.client = ChatClient(config: config, random: SplitMix64(seed: 1))
        return harness
    }

    @Test func aSilentServerIsGivenUpAfterNResendsAndTheClientCloses() {
        var alice = Self.harness(giveUpAfter: 2)
        alice.start()
        #expect(alice.advance(by: rto * 2).resends == [.resending(what: "REGISTER", attempt: 2), .resending(what: "REGISTER", attempt: 3)])
        let last = alice.advance(by: rto)
        #expect(last.messages.isEmpty, "no third re-send")
        #expect(last.events == [.gaveUp(peer: nil, at: serverEndpoint, what: "REGISTER", attempts: 3)])
        #expect(last.events[0].description == "gave up: the server at 10.0.0.1:7070 did not answer (REGISTER sent 3 times, "
                + "give-up limit 2 re-sends); closing without the server")
        #expect(alice.exit == .gaveUp)
        #expect(alice.exit?.isSuccess == false)
        #expect(alice.timers.isEmpty, "nothing left armed")
    }

    @Test func byDefaultReSendingNeverStops() {
        var alice = Self.harness(giveUpAfter: nil)
        alice.start()
        #expect(alice.advance(by: rto * 50).resends.count == 50)
        #expect(alice.exit == nil)
    }

    @Test func aSilentLeaveIsGivenUpToo() {
        var alice = Self.harness(giveUpAfter: 1)
        alice.register()
        alice.user(.quit)
        alice.advance(by: rto * 2)
        #expect(alice.events.last == .gaveUp(peer: nil, at: serverEndpoint, what: "LEAVE", attempts: 2))
        #expect(alice.exit == .gaveUp)
    }

    @Test func aSilentPeerEndsTheConnectionNotTheClient() {
        var alice = Self.harness(giveUpAfter: 1)
        _ = alice.connectAsRequester()
        alice.user(.say("anyone?"))
        let step = alice.advance(by: rto * 2)
        #expect(step.messages.count == 1, "one re-send of MSG 1, then nothing")
        #expect(step.events.contains(.gaveUp(peer: bobID, at: bobEndpoint, what: "MSG 1", attempts: 2)))
        #expect(step.events.contains(.notDelivered(seq: 1, text: "anyone?")))
        #expect(alice.exit == nil)
        #expect(alice.client.phase == .idle)
        #expect(step.events.last?.description == "not delivered (message 1): anyone?")
        #expect(alice.advance(by: rto * 5).messages.isEmpty, "no more re-sends")
    }

    @Test func aSilentPeerAsked() {
        var alice = Self.harness(giveUpAfter: 0)
        alice.register()
        alice.user(.connect(bobID))
        alice.receive(.peer(id: bobID, host: bobEndpoint.host, port: bobEndpoint.port), from: serverEndpoint)
        let step = alice.advance(by: rto)
        #expect(step.messages.isEmpty, "--give-up 0: no re-send at all")
        #expect(step.events == [.gaveUp(peer: bobID, at: bobEndpoint, what: "CONNECT", attempts: 1)])
        #expect(step.events[0].description.hasSuffix("; connection request abandoned"))
        #expect(alice.client.phase == .idle)
        #expect(alice.type("/connect 3").messages == [.lookup(id: 3)], "the client goes on")
    }
}
