import Testing
@testable import UDPChatImpairment
import UDPChatRelay
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// A live run's trace is folded from the proxy's decisions alone, the way the simulator folds them.
@Suite struct TraceFoldTests {
    static let alice = Endpoint(host: "127.0.0.1", port: 30001)
    static let bob = Endpoint(host: "127.0.0.1", port: 30002)
    static let msg = Array(Message.msg(conn: 7, id: 1, seq: 1, text: "hi").serialized.utf8)

    static func event(_ decision: Decision, at time: Instant, rule: String? = nil) -> RelayTraceEvent {
        RelayTraceEvent(time: time, link: "bob", decision: decision, source: alice, destination: bob, size: msg.count, payload: msg, rule: rule)
    }

    static func delivery(serial: UInt64, arrived: Instant, delay: Duration, notes: DeliveryNotes = []) -> Decision {
        .deliver(Delivery(serial: serial, direction: .up, flow: 1, bytes: msg, at: arrived + delay, delay: delay, notes: notes, rule: nil))
    }

    @Test func oneRecordPerDatagramWithEveryCopyAndTheDrops() {
        let start = Instant(nanoseconds: 1_000_000_000)
        var fold = TraceFold(names: [Self.alice: "alice", Self.bob: "bob"])
        // Datagram 0 delivered twice (the copy 5 ms late), datagram 1 dropped by a rule.
        fold.add(Self.event(Self.delivery(serial: 0, arrived: start, delay: .zero), at: start))
        fold.add(Self.event(Self.delivery(serial: 0, arrived: start, delay: .milliseconds(5), notes: .duplicate), at: start))
        let later = start + .milliseconds(10)
        fold.add(Self.event(.drop(Drop(serial: 1, direction: .up, flow: 1, reason: .rule, rule: 0)), at: later, rule: "drop verb=MSG"))
        let trace = fold.trace
        #expect(trace.count == 2)
        #expect(trace[0].time == start && trace[0].verdict == .duplicated && trace[0].deliveries == [start, start + .milliseconds(5)])
        #expect(trace[0].from == "alice" && trace[0].to == "bob" && trace[0].message == .msg(conn: 7, id: 1, seq: 1, text: "hi"))
        #expect(trace[1].time == later && trace[1].verdict == .dropped && trace[1].dropReason == "rule" && trace[1].rule == "drop verb=MSG")
    }

    /// A copy reorder held back is decided when released: its record still starts when it arrived.
    @Test func aReleasedCopyIsRecordedAtItsArrival() {
        let arrived = Instant(nanoseconds: 2_000_000_000)
        var fold = TraceFold(names: [:])
        fold.add(Self.event(Self.delivery(serial: 3, arrived: arrived, delay: .milliseconds(40), notes: .reordered), at: arrived + .milliseconds(40)))
        #expect(fold.trace.first?.time == arrived)
        #expect(fold.trace.first?.verdict == .reordered && fold.trace.first?.from == "?")
    }
}
