import Testing
import UDPChatCore
import UDPChatImpairment
import UDPChatScript
import UDPChatSimulation
import UDPChatSupport

@Suite struct SimulatorTests {
    static func chat(seed: UInt64, impairment: ImpairmentConfig = ImpairmentConfig()) -> SimSetup {
        let alice = SimClient(name: "alice", id: 1, script: [
            .waitFor("registered"), .command(.connect("bob")), .waitFor("connection established"),
            .command(.send("hello")), .command(.send("how are you")), .waitFor("[2] fine"),
            .command(.end), .waitFor("terminated"), .command(.quit),
        ])
        let bob = SimClient(name: "bob", id: 2, script: [
            .waitFor("wants to connect"), .command(.accept), .waitFor("[1] how are you"), .command(.send("fine")),
            .waitFor("terminated"), .command(.quit),
        ])
        return SimSetup(seed: seed, clients: [alice, bob], proxies: [
            SimProxy(name: "server", target: "server", impairment: impairment),
            SimProxy(name: "bob", target: "bob", impairment: impairment),
        ])
    }

    @Test func cleanChatCompletes() {
        let result = Simulator.run(Self.chat(seed: 1))
        #expect(result.stuck.isEmpty)
        #expect(result.clients.allSatisfy { $0.exit == .left })
        #expect(result.serverTable.isEmpty)
        let bobLines = result.displays.filter { $0.party == "bob" }.map(\.line)
        #expect(bobLines.contains("[1] hello"))
        #expect(bobLines.contains("[1] how are you"))
        #expect(result.trace.contains { $0.message?.verb == .leave })
        #expect(result.endTime < Instant.zero + .seconds(1))
    }

    @Test func sameSeedSameTrace() {
        var config = ImpairmentConfig()
        config.up.loss = .random(probability: 0.3, correlation: 0)
        config.down.loss = .random(probability: 0.3, correlation: 0)
        config.up.duplicate = 0.2
        config.down.reorder = ReorderSpec(probability: 0.3)
        let first = Simulator.run(Self.chat(seed: 42, impairment: config))
        let second = Simulator.run(Self.chat(seed: 42, impairment: config))
        #expect(first.traceJSONLines == second.traceJSONLines)
        #expect(first.displays == second.displays)
        let other = Simulator.run(Self.chat(seed: 43, impairment: config))
        #expect(first.traceJSONLines != other.traceJSONLines)
    }
}
