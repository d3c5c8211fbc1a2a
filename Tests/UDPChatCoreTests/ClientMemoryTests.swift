import Testing
@testable import UDPChatCore
import UDPChatSupport
import UDPChatWire

@Suite("Client: bounded memory")
struct ClientMemoryTests {
    /// A flood of CONNECTs with fresh conns while busy: each gets one REJECT, and the remembered
    /// answers are dropped once their time is up instead of piling up.
    @Test func connectFloodIsForgotten() {
        var bob = ClientHarness(id: bobID, advertisedPort: 5002)
        bob.connectAsRequested(from: aliceID, at: aliceEndpoint, conn: 42)
        let attacker = Endpoint(host: "10.6.6.6", port: 6666)
        var rejects = 0
        for conn in 1_000...5_999 as ClosedRange<ConnToken> {
            bob.now = bob.now + .milliseconds(1)
            rejects += bob.receive(.connect(conn: conn, id: carolID), from: attacker).messages.count { if case .reject = $0 { true } else { false } }
        }
        #expect(rejects == 5_000)
        #expect(bob.client.answers.count == 5_001)  // the flood plus the live conn's ACCEPT
        bob.advance(by: rto * 8)
        bob.receive(.msg(conn: 42, id: aliceID, seq: 1, text: "still here"), from: aliceEndpoint)
        #expect(Array(bob.client.answers.keys) == [42], "only the user's own (last) answer stays")
        #expect(bob.client.liveConn == 42)
        #expect(bob.delivered == ["still here"])
    }
}
