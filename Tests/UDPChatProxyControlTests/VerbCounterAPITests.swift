import Foundation
import Testing
import UDPChatProxy
import UDPChatProxyControl

/// `--count-verbs` over real sockets: GET /links and /metrics show received datagrams by verb.
@Suite struct VerbCounterAPITests {
    @Test func linksAndMetricsShowDatagramsByVerb() async throws {
        let rig = try await ControlRig.start(countVerbs: true)
        try await rig.send("REGISTER 3 5000")
        try await rig.send("LOOKUP 4")
        try await rig.send("LOOKUP 4")
        try await rig.send("not chat")
        #expect(try await rig.waitReceived(4))
        let links = try await rig.request("GET", "/links")
        #expect(links.status == 200)
        #expect(links.body.contains(#""verbs":{"REGISTER":1,"LOOKUP":2,"unreadable":1}"#), "\(links.body)")
        #expect(links.body.contains(#""verbs":{}"#), "the down direction counts verbs too, none yet: \(links.body)")
        #expect(links.body.contains(#""dialect":"default""#), "\(links.body)")
        let metrics = try await rig.request("GET", "/metrics")
        for line in [
            #"udpchat_proxy_verbs_total{link="main",dir="up",verb="REGISTER"} 1"#,
            #"udpchat_proxy_verbs_total{link="main",dir="up",verb="LOOKUP"} 2"#,
            #"udpchat_proxy_verbs_total{link="main",dir="up",verb="unreadable"} 1"#,
        ] {
            #expect(metrics.body.contains(line), "missing \(line) in\n\(metrics.body)")
        }
        let report = await rig.proxy.stats().report
        #expect(report.contains("by verb: REGISTER 1  LOOKUP 2  unreadable 1"), "\(report)")
        _ = try await rig.finish()
    }

    @Test func withoutCountVerbsThereAreNoVerbCounters() async throws {
        let rig = try await ControlRig.start()
        try await rig.send("REGISTER 3 5000")
        #expect(try await rig.waitReceived(1))
        #expect(!(try await rig.request("GET", "/links")).body.contains("verbs"))
        #expect(!(try await rig.request("GET", "/metrics")).body.contains("udpchat_proxy_verbs_total"))
        _ = try await rig.finish()
    }
}
