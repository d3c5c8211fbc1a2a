import NIOConcurrencyHelpers
import Testing
import UDPChatRuntime
import UDPChatSupport

@Suite("The demo conversation")
struct DemoConversationTests {
    @Test("completes directly and shows every party's console, prefixed")
    func direct() async throws {
        var demo = DemoConversation()
        demo.rto = testRTO
        demo.stepTimeout = patience
        let lines = NIOLockedValueBox<[String]>([])
        try await demo.run { line in lines.withLockedValue { $0.append(line) } }
        let output = lines.withLockedValue { $0 }
        #expect(output.contains("alice(1) | client 3 is inactive"))
        #expect(output.contains("bob(2)   | [1] Hi Bob, it's Alice."))
        #expect(output.contains("alice(1) | [2] Bye for now."))
        #expect(output.contains("bob(2)   | connection terminated by client 1"))
        #expect(output.last == "demo     | conversation complete")
        #expect(output.contains { $0.hasPrefix("server   | ") })
        for line in ["bob(2)   | [1] Hi Bob, it's Alice.", "bob(2)   | [1] Are you receiving me?", "alice(1) | [2] Hello Alice! Loud and clear."] {
            #expect(output.filter { $0 == line }.count == 1, "\(line) shown once")
        }
        let order = ["Hi Bob", "Hello Alice", "Are you receiving", "Bye for now"].map { text in
            output.firstIndex { $0.contains("| [") && $0.contains(text) } ?? -1
        }
        #expect(order == order.sorted() && !order.contains(-1), "messages shown in script order: \(order)")
    }

    @Test("fails naming the step when an expected event is never shown")
    func expectationNotShown() async throws {
        var demo = DemoConversation()
        demo.rto = testRTO
        demo.stepTimeout = patience
        demo.expectations = [.resend("MSG 99", by: .alice)]  // there is no message 99
        let error = await #expect(throws: DemoFailure.self) {
            try await demo.run { _ in }
        }
        #expect(error?.step == "alice(1) to show re-sending MSG 99, attempt 2")
    }

    @Test("completes with Bob behind a relay that drops and duplicates (the injectable route)")
    func throughRelay() async throws {
        let relay = try await LossyRelay.start(dropRate: 0.2, duplicateRate: 0.2, seed: 7)
        defer { Task { await relay.close() } }
        var demo = DemoConversation()
        demo.rto = testRTO
        demo.stepTimeout = patience
        demo.bobRoute = { bound in
            relay.target.withLockedValue { $0 = try? bound.socketAddress() }
            return relay.frontPort
        }
        let lines = NIOLockedValueBox<[String]>([])
        try await demo.run { line in lines.withLockedValue { $0.append(line) } }
        let output = lines.withLockedValue { $0 }
        #expect(output.contains("alice(1) | connecting to client 2 at 127.0.0.1:\(relay.frontPort)…"))
        #expect(output.filter { $0 == "bob(2)   | [1] Hi Bob, it's Alice." }.count == 1)
        #expect(output.last == "demo     | conversation complete")
    }

    @Test("fails with a timeout naming the step when Bob cannot be reached")
    func timesOut() async throws {
        let relay = try await LossyRelay.start(dropRate: 1.0, duplicateRate: 0, seed: 1)
        defer { Task { await relay.close() } }
        var demo = DemoConversation()
        demo.rto = testRTO
        demo.stepTimeout = .seconds(3)  // the step that cannot happen; the others take milliseconds
        demo.bobRoute = { bound in
            relay.target.withLockedValue { $0 = try? bound.socketAddress() }
            return relay.frontPort
        }
        let error = await #expect(throws: WaitTimeout.self) {
            try await demo.run { _ in }
        }
        #expect(error?.what == "bob(2) to be asked")
    }
}
