import Testing
import UDPChatCore
import UDPChatSupport
import UDPChatWire

@Suite("Client: register, lookup, leave")
struct ClientServerSideTests {
    @Test func registerIsResentExactlyAtRTO() {
        var alice = ClientHarness()
        let first = alice.start()
        #expect(first.sent == [Sent(message: .register(id: 1, port: 5001), to: serverEndpoint)])
        #expect(alice.deadline(.register) == Instant.zero + rto)
        #expect(alice.client.phase == .registering)

        for attempt in 2...5 {
            let deadline = alice.deadline(.register)!
            #expect(alice.advance(to: deadline - oneNanosecond).isEmpty, "nothing before the RTO")
            let resend = alice.advance(to: deadline)
            #expect(resend.sent == [Sent(message: .register(id: 1, port: 5001), to: serverEndpoint)])
            #expect(resend.events == [.resending(what: "REGISTER", attempt: attempt)])
            #expect(resend.events.first?.description == "re-sending REGISTER, attempt \(attempt)")
            #expect(alice.deadline(.register) == deadline + rto)
        }
        let done = alice.receive(.registered(id: 1, port: 5001), from: serverEndpoint)
        #expect(done.events == [.registered(id: 1, port: 5001)])
        #expect(alice.timers.isEmpty)
        #expect(alice.client.phase == .idle)
        // A late duplicate REGISTERED changes nothing.
        #expect(alice.receive(.registered(id: 1, port: 5001), from: serverEndpoint).isEmpty)
        #expect(alice.client.stats.resends == 4)
    }

    @Test func advertisedPortIsWhatRegisterCarries() {
        var alice = ClientHarness(advertisedPort: 9999)
        #expect(alice.start().messages == [.register(id: 1, port: 9999)])
    }

    @Test(arguments: [ErrorCode.idInUse, .addressInUse])
    func refusedRegistrationCloses(code: ErrorCode) {
        var alice = ClientHarness()
        alice.start()
        let step = alice.receive(.error(code: code, id: 1), from: serverEndpoint)
        #expect(step.closed == .refused(code))
        #expect(step.events.contains(.registrationRefused(code)))
        #expect(alice.timers.isEmpty)
        #expect(alice.client.phase == .closed)
    }

    @Test func serverAnswersFromStrangersAreIgnored() {
        var alice = ClientHarness()
        alice.start()
        #expect(alice.receive(.registered(id: 1, port: 5001), from: bobEndpoint).isEmpty)
        #expect(alice.receive(.error(code: .idInUse, id: 1), from: Endpoint(host: "10.0.0.1", port: 7071)).isEmpty)
        #expect(alice.receive(.registered(id: 2, port: 5001), from: serverEndpoint).isEmpty, "someone else's id")
        #expect(alice.client.phase == .registering)
        #expect(alice.client.stats.ignored == 3)
    }

    @Test func lookupRetriesThenInactive() {
        var alice = ClientHarness()
        alice.register()
        alice.now = alice.now + .seconds(3)
        let ask = alice.user(.connect(bobID))
        #expect(ask.sent == [Sent(message: .lookup(id: 2), to: serverEndpoint)])
        #expect(ask.events == [.lookingUp(2)])
        let deadline = alice.deadline(.lookup)!
        #expect(deadline == alice.now + rto)
        #expect(alice.advance(to: deadline - oneNanosecond).isEmpty)
        let resend = alice.advance(to: deadline)
        #expect(resend.messages == [.lookup(id: 2)])
        #expect(resend.events == [.resending(what: "LOOKUP 2", attempt: 2)])
        #expect(alice.advance(by: rto).events == [.resending(what: "LOOKUP 2", attempt: 3)])
        // Answers about another id are ignored.
        #expect(alice.receive(.inactive(id: 3), from: serverEndpoint).isEmpty)
        let inactive = alice.receive(.inactive(id: 2), from: serverEndpoint)
        #expect(inactive.events == [.inactive(2)])
        #expect(inactive.events.first?.description == "client 2 is inactive")
        #expect(alice.timers.isEmpty)
        #expect(alice.client.phase == .idle)
    }

    @Test func lookupRefusedWhenNotRegistered() {
        var alice = ClientHarness()
        alice.register()
        alice.user(.connect(bobID))
        #expect(alice.receive(.error(code: .notRegistered, id: 3), from: serverEndpoint).isEmpty)
        let refused = alice.receive(.error(code: .notRegistered, id: 2), from: serverEndpoint)
        #expect(refused.events == [.lookupRefused(.notRegistered, 2)])
        #expect(alice.client.phase == .idle)
        #expect(alice.timers.isEmpty)
    }

    @Test func connectBeforeRegisteredWaitsForRegistration() {
        var alice = ClientHarness()
        alice.start()
        let early = alice.user(.connect(bobID))
        #expect(early.sent.isEmpty, "no LOOKUP from an unregistered source")
        #expect(alice.deadline(.lookup) == nil)
        alice.advance(by: .seconds(4))
        let registered = alice.receive(.registered(id: 1, port: 5001), from: serverEndpoint)
        #expect(registered.messages == [.lookup(id: 2)])
        #expect(alice.deadline(.lookup) == alice.now + rto)
    }

    @Test func peerStartsConnectingWithAFreshConn() {
        var alice = ClientHarness()
        alice.register()
        alice.user(.connect(bobID))
        let step = alice.receive(.peer(id: 2, host: "10.0.0.3", port: 5002), from: serverEndpoint)
        guard case .connect(let conn, 1)? = step.messages.first else {
            Issue.record("expected CONNECT, got \(step.messages)")
            return
        }
        #expect(conn >= 1)
        #expect(step.sent == [Sent(message: .connect(conn: conn, id: 1), to: bobEndpoint)])
        #expect(step.events == [.connecting(to: 2, at: bobEndpoint)])
        #expect(alice.deadline(.lookup) == nil)
        #expect(alice.deadline(.connect) == alice.now + rto)
        #expect(alice.client.phase == .connecting)
        // A second PEER (duplicate answer) does not start a second connection.
        #expect(alice.receive(.peer(id: 2, host: "10.0.0.3", port: 5002), from: serverEndpoint).isEmpty)
    }

    @Test func connTokensDifferAcrossConnections() {
        var alice = ClientHarness(seed: 12345)
        alice.register()
        var conns: Set<ConnToken> = []
        for _ in 0..<20 {
            alice.user(.connect(bobID))
            let conn = alice.receive(.peer(id: 2, host: "10.0.0.3", port: 5002), from: serverEndpoint).messages[0].conn!
            conns.insert(conn)
            alice.receive(.reject(conn: conn, id: 2), from: bobEndpoint)
        }
        #expect(conns.count == 20)
    }

    @Test func leaveIsResentUntilLeftAndClosesOnlyThen() {
        var alice = ClientHarness()
        alice.register()
        alice.now = alice.now + .seconds(1)
        let quit = alice.user(.quit)
        #expect(quit.sent == [Sent(message: .leave(id: 1), to: serverEndpoint)])
        #expect(quit.closed == nil)
        #expect(alice.client.phase == .leaving)
        for attempt in 2...4 {
            let deadline = alice.deadline(.leave)!
            #expect(alice.advance(to: deadline - oneNanosecond).isEmpty)
            let step = alice.advance(to: deadline)
            #expect(step.messages == [.leave(id: 1)])
            #expect(step.events == [.resending(what: "LEAVE", attempt: attempt)])
            #expect(step.closed == nil)
        }
        // Other answers do not close it.
        #expect(alice.receive(.left(id: 9), from: serverEndpoint).closed == nil)
        #expect(alice.receive(.left(id: 1), from: bobEndpoint).closed == nil)
        let left = alice.receive(.left(id: 1), from: serverEndpoint)
        #expect(left.closed == .left)
        #expect(left.events.contains(.left(id: 1)))
        #expect(alice.timers.isEmpty)
        #expect(alice.client.phase == .closed)
        // Closed: everything is inert.
        #expect(alice.client.receive(Message.left(id: 1).bytes, from: serverEndpoint, now: alice.now).isEmpty)
        #expect(alice.client.timerFired(.leave, now: alice.now + rto).isEmpty)
        #expect(alice.client.handle(UserCommand.quit, now: alice.now).isEmpty)
    }

    @Test func secondQuitWhileLeavingForcesIt() {
        var alice = ClientHarness()
        alice.register()
        alice.user(.quit)
        let other = alice.user(.say("hello?"))
        #expect(other.sent.isEmpty && other.closed == nil)
        let forced = alice.user(.quit)
        #expect(forced.closed == .forced)
        #expect(forced.events.contains(.forcedQuit))
        #expect(alice.timers.isEmpty)
    }

    @Test func notOwnerOnLeaveCloses() {
        var alice = ClientHarness()
        alice.register()
        alice.user(.quit)
        #expect(alice.receive(.error(code: .notOwner, id: 1), from: serverEndpoint).closed == .refused(.notOwner))
    }

    @Test func quitWhileRegisteringLeaves() {
        var alice = ClientHarness()
        alice.start()
        let quit = alice.user(.quit)
        #expect(quit.messages == [.leave(id: 1)])
        #expect(alice.deadline(.register) == nil)
        #expect(alice.receive(.left(id: 1), from: serverEndpoint).closed == .left)
    }

    @Test func quitWhileLookingUpCancelsAndLeaves() {
        var alice = ClientHarness()
        alice.register()
        alice.user(.connect(bobID))
        let quit = alice.user(.quit)
        #expect(quit.messages == [.leave(id: 1)])
        #expect(quit.events.contains(.cancelled(2)))
        #expect(alice.deadline(.lookup) == nil)
        #expect(alice.receive(.peer(id: 2, host: "10.0.0.3", port: 5002), from: serverEndpoint).isEmpty)
    }

    @Test func cancelStopsLookupAndConnect() {
        var alice = ClientHarness()
        alice.register()
        alice.user(.connect(bobID))
        #expect(alice.user(.cancel).events == [.cancelled(2)])
        #expect(alice.timers.isEmpty)
        alice.user(.connect(bobID))
        let conn = alice.receive(.peer(id: 2, host: "10.0.0.3", port: 5002), from: serverEndpoint).messages[0].conn!
        #expect(alice.user(.cancel).events == [.cancelled(2)])
        #expect(alice.timers.isEmpty)
        #expect(alice.advance(by: rto * 3).isEmpty, "no CONNECT after cancel")
        #expect(alice.receive(.accept(conn: conn, id: 2), from: bobEndpoint).isEmpty, "late ACCEPT for a cancelled conn")
        #expect(alice.client.phase == .idle)
    }

    @Test func malformedDatagramsChangeNothing() {
        var alice = ClientHarness()
        alice.start()
        for raw in ["REGISTERED 1 0", "REGISTERED 01 5001", "registered 1 5001", "REGISTERED 1 5001\n\n", "LEFT 1 1", ""] {
            #expect(alice.receive(raw: Array(raw.utf8), from: serverEndpoint).isEmpty)
        }
        #expect(alice.receive(raw: [0xC3, 0x28], from: serverEndpoint).isEmpty)
        #expect(alice.client.stats.malformed == 7)
        #expect(alice.client.phase == .registering)
        #expect(alice.deadline(.register) == Instant.zero + rto)
        // With a trailing newline it is well-formed.
        #expect(alice.receive(raw: Array("REGISTERED 1 5001\r\n".utf8), from: serverEndpoint).events == [.registered(id: 1, port: 5001)])
    }
}

@Suite("Client: registration refresh")
struct ClientRefreshTests {
    @Test func refreshesByDefaultBelowCommonNATTimeouts() {
        let config = ClientConfig(id: aliceID, server: serverEndpoint, advertisedPort: 5001)
        #expect(config.refreshEvery == ProtocolDefaults.refreshEvery)
        #expect(ProtocolDefaults.refreshEvery == .seconds(25))
    }

    @Test func noRefreshWhenTurnedOff() {
        var alice = ClientHarness()  // refreshEvery: nil
        alice.register()
        #expect(alice.timers.isEmpty)
        #expect(alice.advance(by: .seconds(3600)).isEmpty)
    }

    @Test func refreshesExactlyEveryPeriodWithoutDisplay() {
        var alice = ClientHarness()
        alice.client = ChatClient(config: ClientConfig(id: aliceID, server: serverEndpoint, advertisedPort: 5001, rto: rto, refreshEvery: .seconds(30)),
                                  random: SplitMix64(seed: 1))
        alice.start()
        alice.advance(by: .seconds(2))
        alice.receive(.registered(id: aliceID, port: 5001), from: serverEndpoint)
        #expect(alice.deadline(.register) == Instant.zero + .seconds(32))
        for _ in 0..<3 {
            let deadline = alice.deadline(.register)!
            #expect(alice.advance(to: deadline - oneNanosecond).isEmpty)
            let step = alice.advance(to: deadline)
            #expect(step.sent == [Sent(message: .register(id: aliceID, port: 5001), to: serverEndpoint)])
            #expect(step.events.isEmpty)
            #expect(alice.deadline(.register) == deadline + .seconds(30))
            #expect(alice.receive(.registered(id: aliceID, port: 5001), from: serverEndpoint).isEmpty)
        }
        // Refused refresh (expired and the id taken meanwhile): said, not fatal.
        let refused = alice.receive(.error(code: .idInUse, id: aliceID), from: serverEndpoint)
        #expect(refused.events == [.registrationRefused(.idInUse)])
        #expect(refused.closed == nil)
        // Leaving stops refreshing.
        alice.user(.quit)
        #expect(alice.deadline(.register) == nil)
        #expect(alice.receive(.left(id: aliceID), from: serverEndpoint).closed == .left)
    }
}
