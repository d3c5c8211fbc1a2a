import NIOConcurrencyHelpers
import Testing
import UDPChatRuntime
import UDPChatScenario
import UDPChatSupport

/// `udpchat demo`'s conversation: a scenario run live with a narrator (moved from the runtime's
/// `DemoConversation`, same assertions).
@Suite("The demo conversation")
struct DemoTests {
    static let rto: Duration = .milliseconds(150)
    static let patience: Duration = .seconds(20)

    static func run(_ demo: Demo) async throws -> [String] {
        let lines = NIOLockedValueBox<[String]>([])
        try await demo.run { line in lines.withLockedValue { $0.append(line) } }
        return lines.withLockedValue { $0 }
    }

    @Test("completes directly and shows every party's console, prefixed")
    func direct() async throws {
        var demo = Demo()
        demo.rto = Self.rto
        demo.stepTimeout = Self.patience
        let output = try await Self.run(demo)
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
        var demo = Demo()
        demo.rto = Self.rto
        demo.stepTimeout = Self.patience
        demo.expectations = [.resend("MSG 99", by: .alice)]  // there is no message 99
        let error = await #expect(throws: DemoFailure.self) {
            try await demo.run { _ in }
        }
        #expect(error?.step == "alice(1) to show re-sending MSG 99, attempt 2")
    }

    @Test("completes with Bob behind a proxy that drops and duplicates")
    func throughProxy() async throws {
        var demo = Demo()
        demo.rto = Self.rto
        demo.stepTimeout = Self.patience
        demo.proxy = try DemoProxy(seed: 7, loss: "20%", duplicate: "20%")
        let output = try await Self.run(demo)
        let port = output.first { $0.contains("advertises port") }?.split(separator: " ").last.map(String.init)
        #expect(port != nil)
        #expect(output.contains("alice(1) | connecting to client 2 at 127.0.0.1:\(port ?? "?")…"))
        #expect(output.filter { $0 == "bob(2)   | [1] Hi Bob, it's Alice." }.count == 1)
        #expect(output.filter { $0.contains("[books balance]") }.count == 2)
        #expect(output.last == "demo     | conversation complete")
    }

    @Test("fails with a timeout naming the step when Bob cannot be reached")
    func timesOut() async throws {
        var demo = Demo()
        demo.rto = Self.rto
        demo.stepTimeout = .seconds(3)  // the step that cannot happen; the others take milliseconds
        demo.proxy = try DemoProxy(seed: 1, loss: "100%", duplicate: "0%")
        let error = await #expect(throws: WaitTimeout.self) {
            try await demo.run { _ in }
        }
        #expect(error?.what == "bob(2) to be asked")
    }
}
