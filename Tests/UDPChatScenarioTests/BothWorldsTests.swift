import Testing
import UDPChatScenario
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// One test body, two worlds: each test runs the same scenario on the simulator and live (real
/// sockets, real proxy, real clock) and asserts the same observable outcome.
@Suite struct BothWorldsTests {
    static let rto = Duration.milliseconds(300)

    static func chat(rules: [String], bob: [String] = [], alice: [String] = ["- send: once only"]) throws -> Scenario {
        let yaml = """
            name: both worlds
            rto: 10s
            clients:
              - name: alice
                id: 1
                script:
                  - wait-for: registered
                  - wait-for: {party: bob, text: registered}
                  - connect: bob
                  - wait-for: connection established
            \(alice.map { "      " + $0 }.joined(separator: "\n"))
                  - wait-for: "[2] done"
                  - end
                  - wait-for: terminated
                  - quit
              - name: bob
                id: 2
                script:
                  - wait-for: wants to connect
                  - accept
                  - wait-for: "[1] once only"
            \(bob.map { "      " + $0 }.joined(separator: "\n"))
                  - send: done
                  - wait-for: terminated
                  - quit
            proxies:
              - in-front-of: bob
            \(rules.isEmpty ? "" : "    rules:\n" + rules.map { "      - " + $0 }.joined(separator: "\n"))
            """
        return try ScenarioLoader.load(yaml: yaml, path: "both-worlds.yaml")
    }

    static func messages(_ observation: Observation, verb: Verb, from: String, seq: SeqNo) -> [TraceRecord] {
        observation.trace.filter { $0.message?.verb == verb && $0.from == from && $0.message?.seq == seq }
    }

    @Test(arguments: ScenarioMode.allCases)
    func lostAckIsResentAndDeduplicated(mode: ScenarioMode) async throws {
        let scenario = try Self.chat(rules: ["drop dir=down verb=ACK seq=1 nth=1"], bob: ["- wait-for: duplicate of message 1"])
        let report = await ScenarioRunner.run(scenario, mode: mode, rto: Self.rto)
        let observation = try #require(report.observation, "\(mode): \(report.skipped ?? "") \(report.failures)")
        let failed = LiveTests.checks(report).filter { !$0.passed }
        #expect(failed.isEmpty, "\(mode): \(failed)")
        #expect(Self.messages(observation, verb: .msg, from: "alice", seq: 1).count == 2, "\(mode): MSG 1 sent twice")
        #expect(Self.messages(observation, verb: .ack, from: "bob", seq: 1).count == 2, "\(mode): acknowledged twice")
        #expect(observation.displays.filter { $0.party == "bob" && $0.line == "[1] once only" }.count == 1, "\(mode): shown once")
        #expect(observation.closes["alice"]?.exit == .left && observation.closes["bob"]?.exit == .left)
    }

    @Test(arguments: ScenarioMode.allCases)
    func lostMessageIsResentOneRTOLater(mode: ScenarioMode) async throws {
        let scenario = try Self.chat(rules: ["drop dir=up verb=MSG seq=1 nth=1"])
        let report = await ScenarioRunner.run(scenario, mode: mode, rto: Self.rto)
        let observation = try #require(report.observation)
        // Judged with the test machine's allowance in live mode (LiveTests.testAllowance); exact in sim.
        let failures = LiveTests.checks(report).filter { !$0.passed }
        #expect(failures.isEmpty, "\(mode): \(failures)")
        let allowance = mode == .live ? max(observation.timingAllowance, LiveTests.testAllowance) : observation.timingAllowance
        let sends = Self.messages(observation, verb: .msg, from: "alice", seq: 1)
        #expect(sends.count == 2, "\(mode): \(sends.count) transmissions")
        if sends.count == 2 {
            let gap = sends[1].time - sends[0].time
            #expect(gap >= Self.rto * 0.95 - allowance && gap <= Self.rto * 1.1 + allowance, "\(mode): re-sent after \(gap)")
        }
        #expect(observation.displays.filter { $0.party == "bob" && $0.line == "[1] once only" }.count == 1)
    }

    @Test(arguments: ScenarioMode.allCases)
    func aSleepHoldsTheNextCommand(mode: ScenarioMode) async throws {
        let scenario = try Self.chat(rules: [], alice: ["- sleep: 2rto", "- send: once only"])
        let report = await ScenarioRunner.run(scenario, mode: mode, rto: Self.rto)
        let observation = try #require(report.observation)
        let failed = LiveTests.checks(report).filter { !$0.passed }
        #expect(failed.isEmpty, "\(mode): \(failed)")
        // Both on the proxy's clock: alice is connected once bob's ACCEPT has crossed it.
        let accepted = try #require(observation.trace.first { $0.message?.verb == .accept && $0.from == "bob" })
        let sent = try #require(Self.messages(observation, verb: .msg, from: "alice", seq: 1).first)
        #expect(sent.time - accepted.time >= Self.rto * 2 - observation.timingAllowance, "\(mode): sent too early")
    }

    @Test(arguments: ScenarioMode.allCases)
    func aScenarioDeclaredForTheOtherModeIsSkippedTheSameWay(mode: ScenarioMode) async throws {
        var scenario = try Self.chat(rules: [])
        scenario.modes = [mode == .sim ? .live : .sim]
        let report = await ScenarioRunner.run(scenario, mode: mode, rto: Self.rto)
        #expect(report.mode == mode)
        #expect(report.status == "SKIP")
        #expect(report.skipped == (mode == .sim ? "declared live only" : "declared sim only"))
        #expect(report.observation == nil && report.checks.isEmpty)
    }
}
