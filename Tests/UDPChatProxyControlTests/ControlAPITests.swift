import Foundation
import Testing
import UDPChatImpairment
import UDPChatProxy
import UDPChatProxyControl
import UDPChatSupport

@Suite struct ControlAPITests {
    @Test func aLiveChangeTakesEffectOnRealTrafficAndIsTraced() async throws {
        let rig = try await ControlRig.start()
        for i in 1...3 { try await rig.send("before \(i)") }
        #expect(try await rig.target.waitFor("before 3"))

        let patch = try await rig.request("PATCH", "/links/main", #"{"up": {"loss": "100%"}}"#)
        #expect(patch.status == 200, "\(patch.body)")
        #expect(patch.body.contains(#""up":{"loss":"100%"}"#) && patch.body.contains(#""down":{}"#), "\(patch.body)")
        for i in 1...4 { try await rig.send("lost \(i)") }
        #expect(try await rig.waitReceived(7))

        let back = try await rig.request("PATCH", "/links/main", #"{"both": {"loss": "off", "delay": "5ms", "jitter": "1ms"}}"#)
        #expect(back.status == 200)
        #expect(back.body.contains(#""up":{"delay":"5ms","jitter":"1ms"}"#), "\(back.body)")
        try await rig.send("after")
        #expect(try await rig.target.waitFor("after"))
        #expect(rig.target.received.sorted() == ["after", "before 1", "before 2", "before 3"])

        // The metrics agree with what was sent.
        let metrics = try await rig.request("GET", "/metrics")
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        for line in [
            #"udpchat_proxy_datagrams_total{link="main",dir="up",event="received"} 8"#,
            #"udpchat_proxy_datagrams_total{link="main",dir="up",event="dropped"} 4"#,
            #"udpchat_proxy_datagrams_total{link="main",dir="up",event="sent"} 4"#,
            #"udpchat_proxy_datagrams_total{link="main",dir="up",event="delayed"} 1"#,
            #"udpchat_proxy_drops_total{link="main",dir="up",reason="loss"} 4"#,
            #"udpchat_proxy_flows{link="main"} 1"#,
        ] {
            #expect(metrics.body.contains(line), "missing \(line) in\n\(metrics.body)")
        }
        // 4 copies delivered: 3 at once (le 0) and one after 4–6 ms (le 0.01, not le 0.001).
        #expect(metrics.body.contains(#"udpchat_proxy_added_delay_seconds_bucket{link="main",dir="up",le="0.0"} 3"#), "\(metrics.body)")
        #expect(metrics.body.contains(#"udpchat_proxy_added_delay_seconds_bucket{link="main",dir="up",le="0.001"} 3"#))
        #expect(metrics.body.contains(#"udpchat_proxy_added_delay_seconds_bucket{link="main",dir="up",le="0.01"} 4"#))
        #expect(metrics.body.contains(#"udpchat_proxy_added_delay_seconds_count{link="main",dir="up"} 4"#))

        let trace = try await rig.finish()
        let controls = trace.filter { $0.contains("\"control\"") }.map(Self.withoutTime)
        #expect(controls == [
            #"{"link":"main","control":"set","dir":["up"],"set":{"loss":"100%"}}"#,
            #"{"link":"main","control":"set","dir":["up","down"],"set":{"loss":"off"}}"#,
            #"{"link":"main","control":"set","dir":["up","down"],"set":{"delay":"5ms"}}"#,
            #"{"link":"main","control":"set","dir":["up","down"],"set":{"jitter":"1ms"}}"#,
        ])
        #expect(trace.filter { $0.contains("\"reason\":\"loss\"") }.count == 4)
    }

    @Test func aTimelineEntryAndTheSameAPICallWriteTheSameTraceLine() async throws {
        var timed = ImpairmentConfig()
        timed.timeline = [TimelineEvent(at: .zero, directions: [.up], setting: try Setting.parse(key: "duplicate", value: "50%,corr=25%"))]
        let scheduled = try await ControlRig.start(impairments: timed)
        try await scheduled.send("x")
        #expect(try await scheduled.target.waitFor("x"))
        let fromTimeline = try await scheduled.finish().filter { $0.contains("\"control\"") }.map(Self.withoutTime)

        let live = try await ControlRig.start()
        #expect(try await live.request("PATCH", "/links/main", #"{"up": {"duplicate": "50% 25%"}}"#).status == 200)
        let fromAPI = try await live.finish().filter { $0.contains("\"control\"") }.map(Self.withoutTime)
        #expect(fromTimeline == [#"{"link":"main","control":"set","dir":["up"],"set":{"duplicate":"50%,corr=25%"}}"#])
        #expect(fromAPI == fromTimeline)
    }

    @Test(arguments: ControlRig.Transport.allCases)
    func rulesAreAddedAndRemovedLive(transport: ControlRig.Transport) async throws {
        let rig = try await ControlRig.start(transport: transport)
        let added = try await rig.request("POST", "/links/main/rules", #"{"rule": "drop dir=up nth=1"}"#)
        #expect(added.status == 201 && added.body == "{\"rule\":1,\"text\":\"drop dir=up nth=1\"}\n", "\(added.body)")
        try await rig.send("first")
        try await rig.send("second")
        #expect(try await rig.target.waitFor("second"))
        #expect(!rig.target.received.contains("first"))
        let links = try await rig.request("GET", "/links")
        #expect(links.body.contains(#""rules":[{"n":1,"rule":"drop dir=up nth=1","matched":2,"acted":1}]"#), "\(links.body)")

        let rules = try await rig.request("GET", "/links/main/rules")
        #expect(rules.status == 200 && rules.body == "{\"rules\":[{\"n\":1,\"rule\":\"drop dir=up nth=1\",\"matched\":2,\"acted\":1}]}\n", "\(rules.body)")
        #expect(try await rig.request("GET", "/version").body == "{\"version\":\"9.9.9\"}\n")
        #expect(try await rig.request("GET", "/links/nope/rules").status == 404)
        #expect(try await rig.request("DELETE", "/links/main/rules/1").status == 200)
        let gone = try await rig.request("DELETE", "/links/main/rules/1")
        #expect(gone.status == 404 && gone.body.contains("has no rule 1"))
        #expect(try await rig.request("GET", "/links/main").body.contains(#""rules":[]"#))

        let reset = try await rig.request("POST", "/links/main/counters/reset")
        #expect(reset.status == 200 && reset.body.contains(#""up":{"received":0,"forwarded":0"#), "\(reset.body)")
        // Metrics never go down: the two datagrams seen before the reset stay counted.
        try await rig.send("third")
        #expect(try await rig.target.waitFor("third"))
        let metrics = try await rig.request("GET", "/metrics").body
        #expect(metrics.contains(#"udpchat_proxy_datagrams_total{link="main",dir="up",event="received"} 3"#), "\(metrics)")
        #expect(rig.changes.lines == ["[main] control API: added rule 1: drop dir=up nth=1", "[main] control API: removed rule 1",
                                      "[main] control API: counters reset"], "each change is one line on the proxy's console")
        let trace = try await rig.finish()
        #expect(trace.filter { $0.contains("\"control\"") }.map(Self.withoutTime) == [
            #"{"link":"main","control":"add-rule","rule":"drop dir=up nth=1"}"#,
            #"{"link":"main","control":"remove-rule","rule":1}"#,
            #"{"link":"main","control":"reset"}"#,
        ])
    }

    @Test(arguments: ControlRig.Transport.allCases)
    func badRequestsGetTheRightStatusAndOneLine(transport: ControlRig.Transport) async throws {
        let rig = try await ControlRig.start(transport: transport)
        let cases: [(String, String, String?, Int, String)] = [
            ("PATCH", "/links/main", "{not json", 400, "not valid JSON"),
            ("PATCH", "/links/main", "", 400, "body is empty"),
            ("PATCH", "/links/main", #"{"sideways": {"loss": "1%"}}"#, 400, "unknown key 'sideways' (up, down, both)"),
            ("PATCH", "/links/main", #"{"up": {"wobble": "1%"}}"#, 400, "'up': unknown impairment 'wobble'"),
            ("PATCH", "/links/main", #"{"up": {"loss": "lots"}}"#, 400, "'up'.'loss': 'lots': not a percentage"),
            ("PATCH", "/links/main", #"{"up": {"loss": ["1%"]}}"#, 400, "must be a string"),
            ("PATCH", "/links/main", #"{"up": "lots"}"#, 400, "'up' must be an object"),
            ("PATCH", "/links/main", #"{}"#, 400, "nothing to change"),
            ("PATCH", "/links/main", "[1]", 400, "the body must be a JSON object"),
            ("POST", "/links/main/rules", #"{"rule": 5}"#, 400, "give the rule as"),
            ("PATCH", "/links/nowhere", #"{"up": {"loss": "1%"}}"#, 404, "no link named 'nowhere'"),
            ("GET", "/links/nowhere", nil, 404, "no link named 'nowhere'"),
            ("POST", "/links/main/rules", #"{"rule": "explode"}"#, 400, "bad rule: 'explode'"),
            ("POST", "/links/main/rules", #"{"rule": "drop", "extra": 1}"#, 400, "unknown key 'extra' (rule)"),
            ("POST", "/links/nowhere/rules", #"{"rule": "drop"}"#, 404, "no link named 'nowhere'"),
            ("DELETE", "/links/main/rules/x", nil, 404, "no rule 'x'"),
            ("POST", "/links/nowhere/reset", nil, 404, "no link named 'nowhere'"),
            ("GET", "/nothing", nil, 404, "no such endpoint"),
            ("PUT", "/links", nil, 405, "PUT is not allowed on /links"),
        ]
        for (method, path, body, status, reason) in cases {
            let reply = try await rig.request(method, path, body)
            #expect(reply.status == status, "\(method) \(path) \(body ?? ""): \(reply.status) \(reply.body)")
            #expect(reply.body.contains(reason), "\(method) \(path): \(reply.body)")
            #expect(reply.body.hasPrefix("{\"error\":") && reply.body.filter { $0 == "\n" }.count == 1, "\(reply.body)")
        }
        // Nothing was changed by the refused requests.
        #expect(try await rig.request("GET", "/links/main").body.contains(#""up":{},"down":{},"rules":[]"#))
        _ = try await rig.finish()
    }

    @Test func oneConnectionCarriesSeveralRequests() async throws {
        let rig = try await ControlRig.start()
        let body = #"{"down": {"limit": 50, "slot": "10ms packets 4"}}"#
        let raw = try await rawExchange(
            "PATCH /links/main HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                + "GET /links/main HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            to: rig.control.localAddress)
        #expect(raw.components(separatedBy: "HTTP/1.1 200 OK").count == 3, "\(raw)")
        #expect(raw.contains(#""down":{"limit":"50","slot":"10ms packets 4"}"#), "\(raw)")
        _ = try await rig.finish()
    }

    @Test("a busy control port is one line naming the address and the system's reason")
    func aBusyPortIsOneLine() async throws {
        let rig = try await ControlRig.start()
        defer { Task { _ = try? await rig.finish() } }
        do {
            _ = try await ControlServer.start(at: rig.control.localAddress, proxy: rig.proxy)
            Issue.record("a second server bound the same port")
        } catch {
            #expect(error.description == "cannot serve the control API on \(rig.control.localAddress): address already in use", "\(error)")
        }
    }

    @Test func aNonLoopbackAddressIsRefusedUnlessAllowed() async throws {
        let rig = try await ControlRig.start()
        await #expect(throws: ControlServerError.notLoopback(Endpoint(host: "0.0.0.0", port: 0))) {
            _ = try await ControlServer.start(at: Endpoint(host: "0.0.0.0", port: 0), proxy: rig.proxy)
        }
        let error = ControlServerError.notLoopback(Endpoint(host: "0.0.0.0", port: 9090)).description
        #expect(error.contains("not a loopback address") && error.contains("--control-allow-remote"))
        let open = try await ControlServer.start(at: Endpoint(host: "0.0.0.0", port: 0), allowRemote: true, proxy: rig.proxy)
        #expect(try await http("GET", "/links", to: Endpoint(host: "127.0.0.1", port: open.localAddress.port)).status == 200)
        await open.stop()
        _ = try await rig.finish()
    }

    /// Drops the `"t":…,` field so lines from different runs compare.
    static func withoutTime(_ line: String) -> String {
        guard let start = line.range(of: "\"t\":"), let comma = line[start.upperBound...].firstIndex(of: ",") else { return line }
        return line.replacingCharacters(in: start.lowerBound...comma, with: "")
    }
}
