import Foundation
import Testing
import UDPChatImpairment
import UDPChatProxy
import UDPChatProxyControl
import UDPChatSupport

/// toxiproxy's meanings on a live proxy: reset restores the start configuration (counters have an
/// endpoint of their own), and links are created and removed at run time.
@Suite struct ControlLinksAPITests {
    @Test func resetRestoresTheStartConfigurationAndKeepsTheCounters() async throws {
        var start = ImpairmentConfig()
        start.rules = [try Rule.parse("drop dir=up nth=1")]
        let rig = try await ControlRig.start(impairments: start)
        try await rig.send("dropped by the start rule")
        try await rig.send("one")
        #expect(try await rig.target.waitFor("one"))
        #expect(try await rig.request("PATCH", "/links/main", #"{"up": {"loss": "100%"}}"#).status == 200)
        #expect(try await rig.request("DELETE", "/links/main/rules/1").status == 200)
        #expect(try await rig.request("POST", "/links/main/rules", #"{"rule": "duplicate dir=down"}"#).status == 201)

        let reset = try await rig.request("POST", "/links/main/reset")
        #expect(reset.status == 200, "\(reset.body)")
        #expect(reset.body.contains(#""up":{},"down":{},"rules":[{"n":1,"rule":"drop dir=up nth=1","matched":0,"acted":0}]"#), "\(reset.body)")
        #expect(reset.body.contains(#""up":{"received":2"#), "counters are kept: \(reset.body)")
        // The start rule counts again from 1: the next datagram is dropped, the one after arrives.
        try await rig.send("dropped again")
        try await rig.send("two")
        #expect(try await rig.target.waitFor("two"))
        #expect(rig.target.received == ["one", "two"])

        let all = try await rig.request("POST", "/reset")
        #expect(all.status == 200 && all.body.hasPrefix("[{\"name\":\"main\""), "\(all.body)")
        #expect(rig.changes.lines.contains("[main] control API: restored the start configuration (no impairment, 1 rule)"), "\(rig.changes.lines)")
        #expect(rig.changes.lines.last == "control API: every link restored to its start configuration (main)")
        let trace = try await rig.finish()
        #expect(trace.filter { $0.contains(#""control":"restore""#) }.count == 2, "traced as restores, not as counter resets")
    }

    @Test func linksAreCreatedAndRemovedAtRunTime() async throws {
        let rig = try await ControlRig.start()
        let body = #"{"name": "bob", "listen": "127.0.0.1:0", "upstream": "\#(rig.target.endpoint)", "rules": ["drop nth=1"]}"#
        let created = try await rig.request("POST", "/links", body)
        #expect(created.status == 201, "\(created.body)")
        #expect(created.body.contains(#""name":"bob""#) && created.body.contains(#""target":"\#(rig.target.endpoint)""#), "\(created.body)")
        let bob = try #require(rig.proxy.localAddress(link: "bob"))
        #expect(bob.port != 0 && created.body.contains(#""listen":"\#(bob)""#), "the port the system chose: \(created.body)")
        try await rig.client.send("lost to bob's start rule", to: bob)
        try await rig.client.send("through bob", to: bob)
        #expect(try await rig.target.waitFor("through bob"))
        #expect(try await rig.request("GET", "/links").body.contains(#""name":"bob""#))

        let taken = try await rig.request("POST", "/links", #"{"name": "bob", "listen": "127.0.0.1:0", "target": "127.0.0.1:9"}"#)
        #expect(taken.status == 409 && taken.body.contains("a link named 'bob' exists already"), "\(taken.body)")
        let busy = try await rig.request("POST", "/links", #"{"name": "carol", "listen": "\#(rig.proxy.localAddress)", "target": "127.0.0.1:9"}"#)
        #expect(busy.status == 409 && busy.body.contains("address already in use"), "\(busy.body)")
        #expect(try await rig.request("GET", "/links/carol").status == 404, "a link that could not start is not kept")

        let removed = try await rig.request("DELETE", "/links/bob")
        #expect(removed.status == 200 && removed.body == "{\"removed\":\"bob\"}\n", "\(removed.body)")
        #expect(try await rig.request("GET", "/links/bob").status == 404)
        #expect(try await rig.request("DELETE", "/links/bob").status == 404)
        #expect(rig.proxy.localAddress(link: "bob") == nil)
        #expect(rig.changes.lines == ["[bob] control API: link created, \(bob) → \(rig.target.endpoint) (no impairment, 1 rule)",
                                      "[bob] control API: link removed"])
        _ = try await rig.finish()
    }

    @Test(arguments: ControlRig.Transport.allCases)
    func aBadNewLinkIsA400NamingTheField(transport: ControlRig.Transport) async throws {
        let rig = try await ControlRig.start(transport: transport)
        let cases: [(String, String)] = [
            (#"{"name": "x", "listen": "127.0.0.1:0"}"#, "'target': missing"),
            (#"{"name": "x", "listen": "nowhere", "target": "127.0.0.1:9"}"#, "'listen': 'nowhere' is not HOST:PORT"),
            (#"{"name": "a/b", "listen": "127.0.0.1:0", "target": "127.0.0.1:9"}"#, "is not a link name"),
            (#"{"name": "x", "listen": "127.0.0.1:0", "target": "127.0.0.1:9", "enabled": true}"#, "unknown key 'enabled'"),
            (#"{"name": "x", "listen": "127.0.0.1:0", "target": "127.0.0.1:9", "rules": ["explode"]}"#, "bad rule: 'explode'"),
            (#"{"listen": "127.0.0.1:0"}"#, "give the link as"),
            ("[]", "give the link as"),
        ]
        for (body, reason) in cases {
            let reply = try await rig.request("POST", "/links", body)
            #expect(reply.status == 400 && reply.body.contains(reason), "\(body): \(reply.status) \(reply.body)")
        }
        #expect(try await rig.request("GET", "/links").body.filter { $0 == "{" }.count > 0)
        #expect(rig.changes.lines.isEmpty, "nothing changed")
        _ = try await rig.finish()
    }
}
