import Foundation
import Testing
import UDPChatScenario

/// A scenario's proxy rules are checked against the wire its parties speak, as `udpchat proxy`
/// checks its own: `scenario validate` and `scenario run` print what can never match.
@Suite struct RuleWarningTests {
    static func scenario(bob: String, rules: [String], path: String = "t.yaml") throws -> Scenario {
        try ScenarioLoader.load(yaml: """
            name: rules
            clients:
              - name: alice
                id: 1
                script: [quit]
              - name: bob
                id: 2
            \(bob)
                script: [quit]
            proxies:
              - in-front-of: bob
                rules: [\(rules.map { "\"\($0)\"" }.joined(separator: ", "))]
            expect:
              - left: alice
            """, path: path)
    }

    @Test func aRuleOnAFieldTheContractsMessageLacksIsNamed() throws {
        let scenario = try Self.scenario(bob: "", rules: ["drop dir=up verb=REGISTER seq=1", "drop dir=down verb=ACK seq=1 nth=1"])
        #expect(scenario.unreachableRules == ["proxy bob: rule 'drop dir=up verb=REGISTER seq=1' can never match: no REGISTER of dialect default carries {seq}"])
    }

    @Test func theManifestsDialectIsTheWireTheRulesAreCheckedAgainst() throws {
        // The colon dialect has no connection tokens: conn= matches nothing there, but does in the contract.
        let manifest = scenariosFolder + "/../Fixtures/dialects/iut/colon-client-correct.yaml"
        let colon = try Self.scenario(bob: "    manifest: \(manifest)", rules: ["drop dir=up verb=MSG conn=3"], path: scenariosFolder + "/t.yaml")
        #expect(colon.unreachableRules.count == 1)
        #expect(colon.unreachableRules.first?.hasSuffix("can never match: no MSG of dialect colon-chat carries {conn}") == true, "\(colon.unreachableRules)")
        let contract = try Self.scenario(bob: "", rules: ["drop dir=up verb=MSG conn=3"])
        #expect(contract.unreachableRules.isEmpty)
    }

    @Test func theCataloguesRulesCanAllMatch() throws {
        for folder in [scenariosFolder, scenariosFolder + "/third-party"] {
            for file in try ScenarioFiles.list(in: folder) {
                #expect(try ScenarioFiles.load(file).unreachableRules.isEmpty, "\(file)")
            }
        }
    }
}
