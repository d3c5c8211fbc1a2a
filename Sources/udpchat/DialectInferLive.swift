// `udpchat dialect infer MANIFEST…`, the live mode: the submission's server and client manifests are
// run together (LiveInference: the grader's whole-submission machinery, in the case's sandbox), a
// normal session typed to them with values udpchat chose, and what it recorded inferred as offline.
import ArgumentParser
import Foundation
import UDPChatCapture
import UDPChatDialect
import UDPChatGrader
import UDPChatIUT
import UDPChatSupport

extension DialectInferCommand {
    func runLive() async throws {
        let whole = try liveSubmission()
        if let named = [whole.server, whole.client].lazy.compactMap(\.dialectPath).first {
            say("the manifests' dialect (\(named)) is not used: the format is learned from the wire alone; compare the result with it")
        }
        for (action, without) in LiveInference.optionalActions where whole.client.input[action] == nil {
            say("\(whole.client.path) has no input.\(action): \(without)")
        }
        let plan = try await GradeCommand.sandboxPlan(isolation, policy: policy, worker: "grade-worker", command: "dialect infer")
        let (used, _) = Grader.effectiveRTO(manifest: whole.client, requested: rto.duration)
        let timing = whole.client.uses("rto") ? "at RTO \(used.compactDescription) (the client command takes {rto})"
            : "at the programs' own RTO (the client command takes no {rto})"
        say("driving \(whole.name) \(plan == nil ? "on the host" : "in a sandbox") \(timing): server up, two clients join, "
            + "client-1 looks up an id nobody has and connects to client-2, both chat, client-1 ends, both quit")
        let control = GradeControl()
        let outcome = try await GracefulRun.run(onShutdown: { control.interrupt() }) { [rto] in
            await LiveInference.record(whole, rto: rto.duration, sandbox: plan, control: control)
        }
        let recording = outcome.value
        for step in recording.steps { say(String(format: "  t=%6.2f s  ", step.time.seconds) + step.text) }
        if let code = outcome.signalExitCode { throw fail(code, "interrupted by \(outcome.signalName ?? "a signal"): nothing written") }
        if let why = recording.cannotRun { throw fail(2, "the session could not run: \(why)") }
        if let stopped = recording.stopped { say("the session stopped before its end (\(stopped)): inferring from what was recorded") }
        let lines = recording.console.isEmpty ? 0 : recording.console.split(separator: "\n").count
        say("recorded \(recording.datagrams.count) datagrams and \(lines) console lines in \(String(format: "%.1f", recording.duration.seconds)) s; inferring")
        if let keep { try keepSession(recording, in: keep) }
        guard !recording.datagrams.isEmpty else {
            throw fail(1, "no datagram passed between the parties: nothing to infer from\(recording.stopped.map { " (\($0))" } ?? "")")
        }
        let inferred: InferredDialect
        do {
            inferred = try DialectInference.infer(recording.datagrams, server: recording.server, values: recording.values,
                                                  console: recording.console, name: name)
        } catch {
            throw fail(1, "\(whole.name): \(error.reason)")
        }
        try write(inferred)
    }

    /// The server and client manifests; exit 2 with what is missing when they cannot be driven.
    func liveSubmission() throws -> WholeSubmission {
        var loaded: [Manifest] = []
        for path in manifests {
            do { loaded.append(try Manifest.load(path: path)) } catch { throw fail(2, error.description) }
        }
        let servers = loaded.filter { $0.role == .server }, clients = loaded.filter { $0.role == .client }
        if clients.isEmpty, let server = servers.first {
            throw fail(2, "\(server.path) is a server alone: infer learns a server's words from what the submission's own clients "
                + "send it, and nothing udpchat could send would be in this server's format. Give its client manifest too "
                + "(udpchat dialect infer \(server.path) CLIENT.yaml --output FILE), or record a session and use --pcap")
        }
        if servers.isEmpty, let client = clients.first {
            throw fail(2, "\(client.path) is a client alone: it needs a server that speaks its format, which only the submission's own "
                + "server does. Give its server manifest too (udpchat dialect infer SERVER.yaml \(client.path) --output FILE)")
        }
        guard servers.count == 1, clients.count == 1 else {
            throw fail(2, "give one server manifest and one client manifest (got \(servers.count) servers and \(clients.count) clients)")
        }
        let missing = LiveInference.neededActions.filter { clients[0].input[$0] == nil }
        if !missing.isEmpty {
            throw fail(2, "\(clients[0].path) has no input.\(missing.joined(separator: ", input.")): infer types the client manifest's "
                + "input actions to drive the session (connect: LOOKUP, PEER, CONNECT; send: MSG, ACK); add them "
                + "(docs/GRADER.md, \"The manifest\"), or record a session and use --pcap")
        }
        do { return try WholeSubmission(name: "\(servers[0].name) + \(clients[0].name)", server: servers[0], client: clients[0]) } catch {
            throw fail(2, error.description)
        }
    }

    /// Writes the recorded session where `dialect infer --pcap` reads it: session.pcap, session.console.log, session.values.yaml.
    func keepSession(_ recording: LiveRecording, in folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let writer = try PcapWriter(path: folder + "/session.pcap")
            for datagram in recording.datagrams {
                try writer.write(timestamp: datagram.time, source: datagram.from, destination: datagram.to, payload: datagram.bytes)
            }
            _ = try writer.finish()
            try (recording.console + "\n").write(toFile: folder + "/session.console.log", atomically: true, encoding: .utf8)
            let values = recording.values
            let yaml = "ids: [\(values.ids.map(String.init).joined(separator: ", "))]\nports: [\(values.ports.map(String.init).joined(separator: ", "))]\n"
                + "texts: [\(values.texts.map(\.debugDescription).joined(separator: ", "))]\n"
            try yaml.write(toFile: folder + "/session.values.yaml", atomically: true, encoding: .utf8)
            say("kept the session in \(folder)/ (session.pcap, session.console.log, session.values.yaml; server \(recording.server.map(\.description) ?? "never up"))")
        } catch {
            throw fail(2, "cannot keep the session in \(folder): \(error)")
        }
    }

    /// A progress line on standard error.
    func say(_ line: String) { printError("dialect infer: \(line)") }
}
