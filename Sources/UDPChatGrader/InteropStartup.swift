import UDPChatHost
import UDPChatIUT
import UDPChatSupport
import UDPChatWire

/// The start of an interop pair: starting is not judged (`CaseContext.startup`), so each step waits
/// for the one before it to be done, with the whole grace of its own. On a loaded machine a server
/// and two interpreters can each take seconds to come up; a registration deadline counted from the
/// clients' launch turned a slow start into an ERROR.
struct InteropStartup {
    let trace: Trace
    let probe: FakeNode
    let server: Endpoint
    let serverProcess: TracedProcess

    /// Until the reference server answers the probe's REGISTER: a client whose REGISTER meets no
    /// server yet may give up re-sending it before a server slowed by a loaded machine is up.
    func serverAnswers() async throws {
        let upBy = trace.now() + CaseContext.startup
        while !answered(), trace.now() < upBy {
            if let exit = serverProcess.exited {
                throw CaseStop.error("the reference server exited with status \(exit.status) during startup")
            }
            try? probe.send(.register(id: 99, port: probe.address.port), to: server, tag: "probe")
            try await Task.sleep(for: .milliseconds(100))
        }
        guard answered() else {
            throw CaseStop.error("the reference server did not answer a REGISTER within \(seconds(CaseContext.startup))")
        }
    }

    /// Until each client holds the port it was told (a socket in /proc/net/udp); a client told no
    /// `{port}` binds one of its own choosing, so there is nothing to wait for.
    func clientsBind(_ clients: [(name: String, process: TracedProcess, port: UInt16?)]) async throws {
        func exited() -> (String, Int32)? { clients.lazy.compactMap { c in c.process.exited.map { (c.name, $0.status) } }.first }
        let bound = await UDPSocketTable.waitUntilBound(clients.compactMap(\.port), timeout: CaseContext.startup, poll: .milliseconds(50)) { exited() != nil }
        if !bound, let (name, status) = exited() { throw CaseStop.error("the \(name) exited with status \(status) during startup") }
    }

    /// Until the server knows clients 1 and 2 (the probe looks them up), within `within`.
    func clientsRegister(_ clients: [(name: String, process: TracedProcess)], within: Duration) async throws {
        let deadline = trace.now() + within
        var registered = false
        while !registered, trace.now() < deadline {
            try? probe.send(.register(id: 99, port: probe.address.port), to: server, tag: "probe")
            try? probe.send(.lookup(id: 1), to: server, tag: "probe")
            try? probe.send(.lookup(id: 2), to: server, tag: "probe")
            try await Task.sleep(for: .milliseconds(200))
            let answers = trace.events.filter { $0.node == "probe" && $0.kind == .received }.compactMap(\.message)
            registered = answers.contains { if case .peer(1, _, _) = $0 { true } else { false } }
                && answers.contains { if case .peer(2, _, _) = $0 { true } else { false } }
        }
        guard registered else {
            let exits = clients.compactMap { c in c.process.exited.map { "the \(c.name) exited with status \($0.status)" } }
            throw CaseStop.error("the two clients did not both register with the reference server within \(seconds(within))"
                                 + (exits.isEmpty ? "" : " (\(exits.joined(separator: ", ")))"))
        }
    }

    private func answered() -> Bool { trace.events.contains { $0.node == "probe" && $0.kind == .received } }
}
