// One interop pair's parts: the lossy relay in front of the responder, a client started confined, and
// the chat the harness types once both are registered (connect, accept, three texts each way, terminate,
// quit), judged from the consoles and the relay's trace.
import UDPChatDialect
import UDPChatImpairment
import UDPChatIUT
import UDPChatProxy
import UDPChatSupport
import UDPChatWire

extension Interop {
    /// The relay in front of the responder: the project's impairment proxy with seeded random loss both
    /// ways; its decisions go into the case trace as the relay's evidence, read with the pair's dialect.
    static func startRelay(to port: UInt16, loss probability: Double, seed: UInt64, dialect: Dialect, trace: Trace) async throws -> ProxyServer {
        var impairments = ImpairmentConfig()
        impairments.apply(.loss(.random(probability: probability, correlation: 0)))
        impairments.reader = MessageReader(dialect)
        var config = ProxyConfiguration(listen: Endpoint(host: "127.0.0.1", port: 0), target: Endpoint(host: "127.0.0.1", port: port),
                                        impairments: impairments, seed: seed)
        config.observer = { event in
            let dropped = if case .drop = event.decision { true } else { false }
            trace.append(dropped ? .dropped : .received, node: "relay", remote: event.source.description, local: event.destination.description,
                         text: escapeDatagram(event.payload), bytes: event.payload,
                         tag: dropped || event.verdict == "forwarded" ? nil : event.verdict,
                         decoded: .some(try? dialect.parse(event.payload)))
        }
        return try await ProxyServer.start(config: config)
    }

    /// A client of the pair with its placeholders filled; in the pair's sandbox it runs confined, as a
    /// case's implementation does (no-op on the host); `input.start` typed.
    static func startClient(_ manifest: Manifest, values: LaunchValues, name: String, trace: Trace) async throws -> TracedProcess {
        let (command, env) = values.fill(manifest)
        let confined = try SandboxInside.confined(command, workdir: manifest.workdir, env: env, limits: manifest.limits)
        let process = try await TracedProcess.launch(confined, shown: command, workdir: manifest.workdir,
                                                    env: confined == command ? env : [:], trace: trace, name: name)
        await manifest.typeStartInput(["id": values.id.map(String.init) ?? ""]) { process.type($0) }
        return process
    }
}

/// Two registered clients and the chat the harness types between them.
struct InteropPair {
    let trace: Trace
    let a: Manifest, b: Manifest
    let initiator: TracedProcess, responder: TracedProcess
    let rto: Duration

    /// connect, accept, three texts each way (each shown once, in order, on the other side), terminate, quit.
    func talk() async throws {
        try type(initiator, a, "connect", ["peer": "2"])
        try await waitFor("the CONNECT to reach the responder", within: rto * 3 + .seconds(2)) { relayed(.connect) }
        try await Task.sleep(for: .milliseconds(300))
        try type(responder, b, "accept")
        try await waitFor("the responder's ACCEPT", within: rto * 3 + .seconds(2)) { relayed(.accept) }
        try await Task.sleep(for: .milliseconds(300))
        let aTexts = (1...3).map { "interop from 1 number \($0)" }, bTexts = (1...3).map { "interop from 2 number \($0)" }
        for n in 0..<3 {
            try type(initiator, a, "send", ["text": aTexts[n]])
            try type(responder, b, "send", ["text": bTexts[n]])
        }
        let expected = aTexts.map { ($0, "responder") } + bTexts.map { ($0, "initiator") }
        do {
            try await waitFor("all six messages to be shown on the other side", within: rto * 8 + .seconds(2)) {
                expected.allSatisfy { shown($0.0, on: $0.1) >= 1 }
            }
        } catch let stop as CaseStop {
            let missing = expected.filter { shown($0.0, on: $0.1) == 0 }.map { "'\($0.0)' on the \($0.1)" }
            throw CaseStop.fail("\(stop.reason) (never shown: \(missing.joined(separator: ", ")))")
        }
        try await Task.sleep(for: min(rto, .seconds(2)) * 1.2)
        for (text, node) in expected where shown(text, on: node) != 1 {
            throw CaseStop.fail("'\(text)' was shown \(shown(text, on: node)) times on the \(node) (expected once)")
        }
        for (texts, node) in [(aTexts, "responder"), (bTexts, "initiator")] {
            let order = lines(node)
            let positions = texts.compactMap { text in order.firstIndex { $0.contains(text) } }
            if positions != positions.sorted() { throw CaseStop.fail("the \(node) showed the messages out of order") }
        }
        try type(initiator, a, "terminate")
        try await waitFor("TERMINATED from the responder", within: ProtocolDefaults.rememberFor(rto: rto) + .seconds(2)) { relayed(.terminated) }
        try type(initiator, a, "quit")
        try type(responder, b, "quit")
        try await waitFor("both clients to exit after LEFT", within: rto * 4 + .seconds(2)) { initiator.exited != nil && responder.exited != nil }
    }

    private func type(_ process: TracedProcess, _ manifest: Manifest, _ action: String, _ values: [String: String] = [:]) throws {
        let id = process === initiator ? "1" : "2"
        guard let line = manifest.inputLine(action, values.merging(["id": id]) { given, _ in given }) else {
            throw CaseStop.unsupported("\(manifest.name) has no input.\(action)")
        }
        process.type(line)
    }

    private func waitFor(_ what: String, within: Duration, _ condition: () -> Bool) async throws {
        let end = trace.now() + within
        while !condition() {
            if trace.now() > end { throw CaseStop.fail("timed out after \(formatSeconds(within)) waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func relayed(_ verb: Verb) -> Bool { trace.events.contains { $0.node == "relay" && $0.kind == .received && $0.message?.verb == verb } }
    private func lines(_ node: String) -> [String] { trace.events.filter { $0.kind == .stdout && $0.node == node }.map(\.text) }
    private func shown(_ text: String, on node: String) -> Int { lines(node).filter { $0.contains(text) }.count }
}
