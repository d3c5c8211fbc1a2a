import UDPChatIUT
import Foundation
import UDPChatDialect
import NIOCore
import NIOPosix
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport
import UDPChatWire

/// `--interop`: every ordered pair of client implementations chats through the reference server,
/// with the impairment proxy (UDPChatProxy, seeded, 20 % random loss by default) in front of the responder.
/// Under the clients' `dialect:` the reference server speaks it (its command's `{dialect}`) and the
/// relay and probe read it.
public struct InteropResult: Sendable, Codable {
    public var initiator: String
    public var responder: String
    public var verdict: Verdict
    public var detail: String
    public var duration: Double
}

public enum Interop {
    /// The lossy relay's seed unless told otherwise (what `grade --interop` uses; its JSON report records it).
    public static let defaultSeed: UInt64 = 1

    /// The reference server's command unless told otherwise: `udpchat server` (this executable) in the clients' dialect.
    public static func defaultServerCommand(executable: String) -> [String] {
        [executable, "server", "--port", "{port}", "--rto", "{rto}", "--dialect", "{dialect}"]
    }

    /// The one wire format of an interop run: the clients' common `dialect:`, which the reference
    /// server then speaks; `UDPChatError.mixedDialects` when they name different ones (the CLI exits 2).
    public static func dialect(of clients: [Manifest]) throws(UDPChatError) -> Dialect {
        try Manifest.sharedDialect(clients.map { ($0.name, $0) })
    }

    /// Runs all pairs (initiator × responder) at once. `serverCommand` starts the reference server
    /// (placeholders {port}, {rto}, and {dialect}: a file of the clients' dialect, or `default`).
    /// With `sandbox`, each pair (its two clients, the server and the relay) runs in a sandbox of its own.
    /// Clients of different dialects: every pair is an ERROR saying so (check `dialect(of:)` first).
    public static func run(clients: [Manifest], serverCommand: [String], rto requested: Duration, seed: UInt64 = defaultSeed,
                           loss: Double = 0.2, artifacts: String?, sandbox: SandboxPlan? = nil) async -> [InteropResult] {
        let pairs = clients.flatMap { a in clients.map { b in (a, b) } }
        do {
            _ = try dialect(of: clients)
        } catch {
            return pairs.map { InteropResult(initiator: $0.0.name, responder: $0.1.name, verdict: .error, detail: error.reason, duration: 0) }
        }
        let ports = PortAllocator.shared
        return await withTaskGroup(of: (Int, InteropResult).self) { tasks in
            for (index, pair) in pairs.enumerated() {
                tasks.addTask {
                    let folder = artifacts.map { "\($0)/interop-\(index + 1)" }
                    let (result, events) = if let sandbox {
                        await chatSandboxed(pair.0, pair.1, serverCommand: serverCommand, requested: requested, loss: loss,
                                            seed: seed &+ UInt64(index), plan: sandbox)
                    } else {
                        await chat(pair.0, pair.1, serverCommand: serverCommand, requested: requested, loss: loss,
                                   seed: seed &+ UInt64(index), ports: ports)
                    }
                    if let folder {
                        Artifacts.write(folder: folder, caseID: "interop \(pair.0.name) → \(pair.1.name)", verdict: result.verdict,
                                        reason: result.detail, duration: .nanoseconds(Int64(result.duration * 1e9)), events: events)
                    }
                    return (index, result)
                }
            }
            var results: [Int: InteropResult] = [:]
            for await (index, result) in tasks { results[index] = result }
            return (0..<pairs.count).compactMap { results[$0] }
        }
    }

    /// The N×N matrix: rows initiate, columns respond.
    public static func matrix(_ results: [InteropResult], names: [String]) -> String {
        let width = max(12, names.map(\.count).max() ?? 12)
        var lines = ["initiator \\ responder".padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            + names.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined(separator: " ")]
        for row in names {
            var line = row.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            for column in names {
                let verdict = results.first { $0.initiator == row && $0.responder == column }?.verdict.rawValue ?? "-"
                line += verdict.padding(toLength: width, withPad: " ", startingAt: 0) + " "
            }
            lines.append(line)
        }
        for result in results where result.verdict != .pass {
            lines.append("  \(result.initiator) → \(result.responder): \(result.verdict.rawValue): \(result.detail)")
        }
        return lines.joined(separator: "\n")
    }

    /// One pair's chat; returns the result and its trace.
    static func chat(_ a: Manifest, _ b: Manifest, serverCommand: [String], requested: Duration, loss probability: Double, seed: UInt64,
                     ports: PortAllocator) async -> (InteropResult, [TraceEvent]) {
        let rto = a.uses("rto") && b.uses("rto") ? requested : ProtocolDefaults.rto
        let trace = Trace()
        var processes: [TracedProcess] = []
        var nodes: [FakeNode] = []
        var relays: [ProxyServer] = []
        var dialectFile: String?
        let group = MultiThreadedEventLoopGroup.singleton
        var verdict = Verdict.pass
        var detail = "3 messages each way shown once and in order through a \(Int(probability * 100)) % lossy relay; terminated; both left"
        do {
            let dialect: Dialect
            do { dialect = try Self.dialect(of: [a, b]) } catch { throw CaseStop.error(error.reason) }
            dialectFile = try Self.writeDialectFile(dialect)
            if !dialect.isDefault { trace.note("the pair speaks dialect \(dialect.name): so do the reference server, the relay's trace and the probe") }
            let serverPort = ports.next()
            let values = LaunchValues.server(port: serverPort, rto: rto, dialect: dialectFile ?? "default").rendered
            processes.append(try await TracedProcess.launch(serverCommand.map { fillPlaceholders($0, values) }, workdir: ".", env: [:],
                                                           trace: trace, name: "server"))
            let responderPort = ports.next()
            let relay = try await startRelay(to: responderPort, loss: probability, seed: seed, dialect: dialect, trace: trace)
            relays.append(relay)
            let server = Endpoint(host: "127.0.0.1", port: serverPort)
            func start(_ manifest: Manifest, id: ClientID, port: UInt16, advertise: UInt16, name: String) async throws -> TracedProcess {
                try await startClient(manifest, values: .client(id: id, server: server, port: port, advertise: advertise, rto: rto),
                                      name: name, trace: trace)
            }
            let probe = try await FakeNode.bind(name: "probe", group: group, trace: trace, dialect: dialect)
            probe.localID = 99
            nodes.append(probe)
            let startup = InteropStartup(trace: trace, probe: probe, server: server, serverProcess: processes[0])
            try await startup.serverAnswers()
            let initiatorPort = ports.next()
            let useRelay = b.uses("advertise_port") && b.uses("port")
            let initiator = try await start(a, id: 1, port: initiatorPort, advertise: initiatorPort, name: "initiator")
            let responder = try await start(b, id: 2, port: responderPort, advertise: useRelay ? relay.localAddress.port : responderPort, name: "responder")
            processes += [initiator, responder]
            try await startup.clientsBind([("initiator", initiator, a.uses("port") ? initiatorPort : nil),
                                           ("responder", responder, b.uses("port") ? responderPort : nil)])
            try await startup.clientsRegister([("initiator", initiator), ("responder", responder)], within: max(rto * 3 + .seconds(5), CaseContext.startup))
            try await InteropPair(trace: trace, a: a, b: b, initiator: initiator, responder: responder, rto: rto).talk()
        } catch let stop as CaseStop {
            verdict = stop.verdict
            detail = stop.reason
        } catch {
            verdict = .error
            detail = "\(error)"
        }
        for process in processes { await process.stop() }
        for node in nodes { await node.close() }
        for relay in relays { await relay.stop() }
        if let dialectFile { unlink(dialectFile) }
        return (InteropResult(initiator: a.name, responder: b.name, verdict: verdict, detail: detail, duration: trace.now().seconds),
                trace.events)
    }

    /// The dialect as a file for a reference party's `{dialect}` (the interop server's, a stand-in's; nil
    /// for the contract's own format: then `default`). Written to this process's temporary folder (a
    /// sandbox's own /tmp); the caller removes it.
    static func writeDialectFile(_ dialect: Dialect) throws -> String? {
        guard !dialect.isDefault else { return nil }
        let path = NSTemporaryDirectory() + "udpchat-reference-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).dialect.yaml"
        do {
            try dialect.source.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CaseStop.error("cannot write the dialect for the reference to \(path): \(error.localizedDescription)")
        }
        return path
    }
}
