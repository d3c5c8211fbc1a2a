import Testing
import UDPChatScenario

@Suite struct ExpectationTests {
    /// The lost-MSG scenario with its re-send bound deliberately wrong.
    @Test func brokenExpectationFailsWithAUsefulMessage() throws {
        let text = try ScenarioFiles.read(scenariosFolder + "/lost-msg.yaml")
        let broken = text.replacingOccurrences("count: 1, interval: [0.95, 1.1]", "count: 2, interval: [0.2, 0.5]")
        #expect(broken != text)
        let scenario = try ScenarioLoader.load(yaml: broken, path: "lost-msg-broken.yaml")
        let report = SimRunner.run(scenario)
        #expect(!report.passed)
        let failure = try #require(report.failures.first)
        #expect(report.failures.count == 1)
        #expect(failure.title.contains("re-sent MSG seq=1 from=alice"))
        #expect(failure.expected.contains("re-sent exactly 2 times"))
        #expect(failure.expected.contains("2s–5s"))
        #expect(failure.observed.contains("re-sent 1 time;"))
        #expect(failure.observed.contains("10s after"))
        #expect(failure.excerpt.contains { $0.contains("MSG") && $0.contains("dropped (rule: drop dir=up verb=MSG seq=1 nth=1)") })
        #expect(failure.line > 0)
        let text2 = failure.description
        #expect(text2.contains("expected:") && text2.contains("observed:") && text2.contains("trace:"))
    }

    @Test func deliveryCheckNamesTheMissingMessage() throws {
        let text = try ScenarioFiles.read(scenariosFolder + "/clean-chat.yaml")
        let broken = text.replacingOccurrences("texts: [\"hello bob\", \"how are you?\"]", "texts: [\"hello bob\", \"never sent\", \"how are you?\"]")
        let report = SimRunner.run(try ScenarioLoader.load(yaml: broken, path: "x.yaml"))
        let failure = try #require(report.failures.first)
        #expect(failure.observed.contains("missing: never sent"))
    }

    @Test func stuckScriptIsReported() throws {
        let yaml = """
            name: stuck
            rto: 1s
            timeout: 30s
            clients:
              - name: alice
                id: 1
                script:
                  - wait-for: something that never happens
                  - quit
            """
        let report = SimRunner.run(try ScenarioLoader.load(yaml: yaml, path: "s.yaml"))
        let failure = try #require(report.failures.first)
        #expect(failure.observed.contains("alice at step 1: wait-for 'something that never happens'"))
    }
}
