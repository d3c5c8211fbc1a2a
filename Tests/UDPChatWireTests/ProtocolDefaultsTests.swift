import Testing
import UDPChatWire

/// The numbers the contract fixes (PROTOCOL.md "Timing", "Messages", "Termination").
@Suite("Wire: protocol defaults")
struct ProtocolDefaultsTests {
    @Test func matchTheContract() {
        #expect(ProtocolDefaults.port == 7070)
        #expect(ProtocolDefaults.rto == .seconds(10))
        #expect(ProtocolDefaults.window == 32)
    }

    @Test func answersAreRememberedForAtLeastFiveRTOs() {
        #expect(ProtocolDefaults.rememberRTOs >= 5)
        #expect(ProtocolDefaults.rememberFor(rto: .seconds(10)) >= .seconds(50))
        #expect(ProtocolDefaults.rememberFor(rto: .milliseconds(300)) == .milliseconds(300) * ProtocolDefaults.rememberRTOs)
    }
}
