import Testing
import UDPChatScenario

/// Checks and rules about traffic no proxy of the scenario can see: `scenario validate` warns, and
/// a check that saw nothing names the proxies that saw nothing.
@Suite struct TrafficReachTests {
    static func scenario(proxy: String, rules: [String] = [], expect: String) throws -> Scenario {
        try ScenarioLoader.load(yaml: """
            name: reach
            rto: 1s
            clients:
              - name: alice
                id: 1
                script:
                  - wait-for: registered
                  - wait-for: {party: bob, text: registered}
                  - connect: bob
                  - wait-for: connection established
                  - send: hi
                  - end
                  - wait-for: terminated
                  - quit
              - name: bob
                id: 2
                script:
                  - wait-for: wants to connect
                  - accept
                  - wait-for: terminated
                  - quit
            proxies:
              - in-front-of: \(proxy)
                rules: [\(rules.map { "\"\($0)\"" }.joined(separator: ", "))]
            expect:
            \(expect)
            """, path: "reach.yaml")
    }

    @Test func aPeerCheckBehindTheServersProxyIsWarnedAbout() throws {
        let scenario = try Self.scenario(proxy: "server", rules: ["drop dir=up verb=MSG nth=1"],
                                         expect: "  - resent: {verb: MSG, from: alice, count: 1}\n  - left: alice")
        #expect(scenario.unseenTraffic == [
            "check on line 26 (resent): no proxy can see MSG from=alice: it travels between clients, and no proxy is in front of "
                + "any client (proxies: server, in front of server)",
            "proxy server: rule 'drop dir=up verb=MSG nth=1' never sees its datagrams: MSG travel between clients, never through the server's proxy",
        ])
    }

    @Test func aServerCheckBehindAClientsProxyIsWarnedAbout() throws {
        let scenario = try Self.scenario(proxy: "bob", rules: ["drop verb=REGISTER nth=1", "drop verb=MSG nth=1"],
                                         expect: "  - resent: {verb: REGISTER, from: alice, min: 0}\n  - dedup: {at: bob, from: alice, seq: 1}")
        #expect(scenario.unseenTraffic == [
            "check on line 26 (resent): no proxy can see REGISTER from=alice: it travels between a client and the server, and no "
                + "proxy is in front of the server (proxies: bob, in front of bob)",
            "proxy bob: rule 'drop verb=REGISTER nth=1' never sees its datagrams: REGISTER travel between a client and the server, "
                + "never through a proxy in front of a client",
        ], "the dedup check (MSG to bob) is seen by bob's proxy")
    }

    /// The catalogue's one vacuous check: inactive-lookup's "no CONNECT" has only the server's
    /// proxy, which never sees a CONNECT (a client's console shows it sent none).
    @Test func theCataloguesChecksAreSeenByAProxy() throws {
        var warnings: [String] = []
        for file in try ScenarioFiles.list(in: scenariosFolder) {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            warnings += try ScenarioFiles.load(file).unseenTraffic.map { "\(name): \($0)" }
        }
        #expect(warnings == ["inactive-lookup.yaml: check on line 20 (wire): no proxy can see CONNECT: it travels between clients, "
                             + "and no proxy is in front of any client (proxies: server, in front of server)"])
    }

    @Test func aFailedCheckThatSawNothingNamesTheProxyThatSawNothing() throws {
        let scenario = try Self.scenario(proxy: "server", expect: "  - resent: {verb: MSG, from: alice, count: 1}")
        let report = SimRunner.run(scenario)
        let failed = try #require(report.failures.first { $0.title.hasPrefix("re-sent") })
        #expect(failed.observed == "never seen by proxy server: it travels between clients, and no proxy is in front of any client "
                + "(proxies: server, in front of server)")
    }
}
