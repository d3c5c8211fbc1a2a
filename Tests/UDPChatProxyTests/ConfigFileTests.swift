import Foundation
import Testing
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport

@Suite struct ConfigFileTests {
    @Test func parsesLinksImpairmentsRulesTimeline() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/proxy/two-clients.yaml")
        let file = try ProxyConfigFile.parse(try String(contentsOf: url, encoding: .utf8), path: "two-clients.yaml")
        #expect(file.seed == 7 && file.flowIdle == .seconds(60))
        #expect(file.links.map(\.name) == ["alice", "bob"])
        let alice = file.links[0].impairments
        #expect(alice.up.loss == .random(probability: 0.1, correlation: 0) && alice.down.loss == alice.up.loss)
        #expect(alice.up.delay == .milliseconds(50) && alice.down.delay == .zero && alice.up.distribution == .normal)
        #expect(alice.down.duplicate == 0.05 && alice.up.duplicate == 0)
        #expect(alice.rules.map(\.text) == ["drop dir=up verb=MSG seq=1 nth=1", "duplicate dir=down verb=ACCEPT"])
        #expect(alice.timeline.count == 2 && alice.timeline[0].at == .seconds(10))
        #expect(file.links[1].impairments.up.blackholes == [TimeWindow(start: .seconds(30), length: .seconds(5))])
        #expect(file.links[1].target == Endpoint(host: "127.0.0.1", port: 7070))
    }

    @Test func countVerbsIsAYesOrNoKeyNamedInErrors() throws {
        let links = "links: [ { listen: 127.0.0.1:1, to: 127.0.0.1:2 } ]\n"
        #expect(try ProxyConfigFile.parse("count-verbs: true\n" + links, path: "v.yaml").countVerbs == true)
        #expect(try ProxyConfigFile.parse(links, path: "v.yaml").countVerbs == nil)
        let error = #expect(throws: UDPChatError.self) { try ProxyConfigFile.parse("count-verbs: maybe\n" + links, path: "v.yaml") }
        #expect(error?.reason.contains("v.yaml:1") == true && error?.reason.contains("count-verbs must be true or false, not 'maybe'") == true,
                "\(String(describing: error))")
    }

    @Test func acceptsNetemVocabulary() throws {
        let yaml = """
            links:
              - listen: 127.0.0.1:1
                to: 127.0.0.1:2
                limit: 50
                up: { jitter: "10ms 25%", duplicate: "5%,corr=25%", reorder: "25% 50% gap 5", slot: "10ms 20ms packets 4" }
                down: { loss: "state 1% 30% 10% 50% 0.1%", corrupt: "1% 20%" }
                timeline:
                  - { at: 1s, set: { slot: off, limit: 10 } }
            """
        let link = try ProxyConfigFile.parse(yaml, path: "n.yaml").links[0].impairments
        #expect(link.up.limit == 50 && link.down.limit == 50)
        #expect(link.up.jitter == .milliseconds(10) && link.up.delayCorrelation == 0.25)
        #expect(link.up.duplicate == 0.05 && link.up.duplicateCorrelation == 0.25)
        #expect(link.up.reorder == ReorderSpec(probability: 0.25, correlation: 0.5, gap: 5))
        #expect(link.up.slot == SlotSpec(min: .milliseconds(10), max: .milliseconds(20), packets: 4))
        #expect(link.down.loss == .fourState(p13: 0.01, p31: 0.3, p32: 0.1, p23: 0.5, p14: 0.001))
        #expect(link.down.corrupt == 0.01 && link.down.corruptCorrelation == 0.2)
        #expect(link.timeline.map(\.setting) == [.slot(nil), .limit(10)])
        #expect(throws: UDPChatError.self) {
            try ProxyConfigFile.parse("links:\n  - listen: 127.0.0.1:1\n    to: 127.0.0.1:2\n    slot: soon\n", path: "n.yaml")
        }
    }

    @Test func everyFixtureParses() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/proxy")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 2)
        for name in files {
            let file = try ProxyConfigFile.parse(try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8), path: name)
            #expect(!file.links.isEmpty, "\(name)")
        }
    }

    @Test func errorsNameTheLine() throws {
        let cases: [(String, String)] = [
            ("links:\n  - listen: 127.0.0.1:1\n    to: 127.0.0.1:2\n    loss: lots\n", "x.yaml:4: 'lots': not a percentage"),
            ("links:\n  - listen: 127.0.0.1:1\n    to: 127.0.0.1:2\n    rules:\n      - drop\n      - explode verb=MSG\n", "x.yaml:6: bad rule: 'explode'"),
            ("links:\n  - listen: 127.0.0.1:1\n    to: nowhere\n", "x.yaml:3: 'nowhere' is not HOST:PORT"),
            ("links:\n  - listen: 127.0.0.1:1\n", "x.yaml:2: link 'link1' needs to:"),
            ("seed: 1\nspeed: 3\nlinks: []\n", "x.yaml:2: unknown key 'speed'"),
            ("links:\n  - listen: 127.0.0.1:1\n    to: 127.0.0.1:2\n    up: { wobble: 3 }\n", "x.yaml:4: 'wobble': unknown impairment"),
            ("links:\n  - listen: 127.0.0.1:1\n    to: 127.0.0.1:2\n    timeline:\n      - { set: { loss: 5% } }\n", "x.yaml:5: timeline entry needs at:"),
            ("links: [\n", "x.yaml: line"),
        ]
        for (yaml, expected) in cases {
            let error = #expect(throws: UDPChatError.self) { try ProxyConfigFile.parse(yaml, path: "x.yaml") }
            #expect(error?.description.hasPrefix(expected) == true, "got: \(error?.description ?? "nothing"), want: \(expected)")
        }
    }

    @Test func twoLinksRelayIndependently() async throws {
        let rig = try await Rig.start()
        let yaml = """
            links:
              - { name: a, listen: 127.0.0.1:0, to: \(rig.server.endpoint) }
              - { name: b, listen: 127.0.0.1:0, to: \(rig.server.endpoint), loss: up:100% }
            """
        // Port 0 is not valid HOST:PORT text for the CLI; the library accepts it through LinkConfiguration.
        #expect(throws: UDPChatError.self) { try ProxyConfigFile.parse(yaml, path: "y.yaml") }
        var a = LinkConfiguration(name: "a", listen: Endpoint(host: "127.0.0.1", port: 0), target: rig.server.endpoint)
        var b = a
        b.name = "b"
        try b.impairments.apply(key: "loss", directionalValue: "up:100%")
        a.impairments.rules = [try Rule.parse("pass")]
        let proxy = try await ProxyServer.start(config: ProxyConfiguration(links: [a, b], seed: 3))
        try await rig.client.send("via a", to: try #require(proxy.localAddress(link: "a")))
        try await rig.client.send("via b", to: try #require(proxy.localAddress(link: "b")))
        let got = try await rig.server.waitFor(2, timeout: .milliseconds(500))
        #expect(got.map(\.text).contains("via a") && !got.map(\.text).contains("via b"))
        let stats = await proxy.stop()
        #expect(stats.links.map(\.name) == ["a", "b"])
        #expect(stats.links[1].up.dropped.loss == 1 && stats.links[0].rules.first?.acted == 2, "the pass rule acts both ways")
        _ = await rig.finish()
    }
}
