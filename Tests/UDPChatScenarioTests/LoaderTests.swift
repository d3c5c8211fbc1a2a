import Testing
import UDPChatImpairment
import UDPChatScenario
import UDPChatSimulation

@Suite struct LoaderTests {
    static let minimal = """
        name: tiny
        clients:
          - name: alice
            id: 1
            script:
              - quit
        proxies:
          - in-front-of: server
        expect:
          - left: alice
        """

    func issues(_ yaml: String) -> [ScenarioIssue] {
        do {
            _ = try ScenarioLoader.load(yaml: yaml, path: "t.yaml")
            return []
        } catch {
            return error.issues
        }
    }

    @Test func minimalScenarioLoadsAndPasses() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.minimal, path: "t.yaml")
        #expect(scenario.clients.map(\.name) == ["alice"])
        let report = SimRunner.run(scenario)
        #expect(report.passed, Comment(rawValue: report.failures.map(\.description).joined(separator: "\n")))
    }

    @Test func embeddedSchemaMatchesTheFile() throws {
        let file = try ScenarioFiles.read(scenariosFolder + "/scenario.schema.json")
        #expect(file == ScenarioSchema.json + "\n" || file == ScenarioSchema.json)
    }

    @Test func unknownKeyIsReportedWithItsLine() {
        let found = issues(Self.minimal.replacingOccurrences("    id: 1", "    id: 1\n    colour: red"))
        #expect(found.count == 1)
        #expect(found.first?.line == 5)
        #expect(found.first?.description.hasPrefix("t.yaml:5:") == true)
        #expect(found.first?.message.contains("unknown key 'colour'") == true)
    }

    @Test func aWireVerdictIsOneOfTheTracesOwn() throws {
        let yaml = Self.minimal.replacingOccurrences("  - left: alice", "  - left: alice\n  - wire: {verb: LEAVE, verdict: dropt}")
        let found = issues(yaml)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.line == 11 && found.first?.message.contains("'dropt' is not one of") == true, "\(found)")
        let scenario = try ScenarioLoader.load(yaml: yaml.replacingOccurrences("dropt", "queue-overflow"), path: "t.yaml")
        #expect(scenario.expectations.count == 2)
        // The schema's list is the trace's own (TraceVerdict): one missing there would be refused at load.
        let accepted = TraceVerdict.allCases.filter { verdict in
            (try? ScenarioLoader.load(yaml: yaml.replacingOccurrences("dropt", verdict.rawValue), path: "t.yaml")) != nil
        }
        #expect(accepted == TraceVerdict.allCases)
    }

    @Test func wrongTypeAndMissingKey() {
        let found = issues(Self.minimal.replacingOccurrences("    id: 1\n", "    id: one\n"))
        #expect(found.contains { $0.line == 4 && $0.message.contains("expected integer") })
        let missing = issues(Self.minimal.replacingOccurrences("    id: 1\n", ""))
        #expect(missing.contains { $0.line == 3 && $0.message.contains("missing required key 'id'") })
    }

    @Test func badStepRuleAndPartyAreReported() {
        let yaml = """
            name: bad
            clients:
              - name: alice
                id: 1
                script:
                  - dance
                  - connect: zed
            proxies:
              - in-front-of: server
                rules:
                  - explode verb=MSG
                up: {loss: lots}
            expect:
              - left: nobody
            """
        let found = issues(yaml)
        #expect(found.contains { $0.line == 6 && $0.message.contains("'dance' is not one of: accept") }, "\(found)")
        let semantic = issues(yaml.replacingOccurrences("      - dance\n", ""))
        #expect(semantic.contains { $0.line == 6 && $0.message.contains("'zed' is not a client") }, "\(semantic)")
        #expect(semantic.contains { $0.line == 10 && $0.message.contains("rule") }, "\(semantic)")
        #expect(semantic.contains { $0.line == 11 && $0.message.contains("loss") }, "\(semantic)")
        #expect(semantic.contains { $0.line == 13 && $0.message.contains("unknown party 'nobody'") }, "\(semantic)")
    }

    @Test func yamlSyntaxErrorHasALine() {
        let found = issues("name: x\nclients: [\n  - a: b\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("YAML:") == true)
        #expect((found.first?.line ?? 0) >= 2)
    }

    @Test func netemVocabularyIsAccepted() throws {
        let yaml = Self.minimal.replacingOccurrences("  - in-front-of: server\n", """
              - in-front-of: server
                both: {limit: 50, jitter: "1ms 25%"}
                down: {slot: "5ms packets 2", loss: "state 1% 30%"}

            """)
        let scenario = try ScenarioLoader.load(yaml: yaml, path: "t.yaml")
        let config = try scenario.proxies[0].config(rto: .seconds(1))
        #expect(config.up.limit == 50 && config.up.delayCorrelation == 0.25)
        #expect(config.down.slot == SlotSpec(min: .milliseconds(5), packets: 2))
        #expect(config.down.loss == .fourState(p13: 0.01, p31: 0.3, p32: 0, p23: 1, p14: 0))
        #expect(SimRunner.run(scenario).passed)
    }

    @Test func timelineBecomesEngineTimeline() throws {
        let yaml = Self.minimal.replacingOccurrences("  - in-front-of: server\n", """
              - in-front-of: server
                timeline:
                  - {at: 2rto, dir: up, set: {loss: 50%}}
                  - {at: 5s, set: {loss: "off"}}

            """)
        let scenario = try ScenarioLoader.load(yaml: yaml, path: "t.yaml")
        let config = try scenario.proxies[0].config(rto: .seconds(1))
        #expect(config.timeline.map(\.at) == [.seconds(2), .seconds(5)])
        #expect(config.timeline[0].directions == [.up])
        let bad = issues(yaml.replacingOccurrences("loss: 50%", "loss: lots"))
        #expect(bad.contains { $0.line == 10 && $0.message.contains("timeline loss") }, "\(bad)")
        #expect(SimRunner.run(scenario).passed)
    }

    @Test func rtoUnitsResolve() {
        #expect(RTOUnits.resolve("0.5rto+1.5rto", rto: .seconds(10)) == "5000000us+15000000us")
        #expect(RTOUnits.resolve("10%", rto: .seconds(10)) == "10%")
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
