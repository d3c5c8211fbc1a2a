// `udpchat dialect infer`: a dialect file from a session of the implementation — one it drives itself
// from the submission's manifests (live, DialectInferLive.swift), or a recorded one: a pcap and the
// values it used (offline) — through the one inference, DialectInference (docs/DIALECTS.md).
import ArgumentParser
import Foundation
import UDPChatCapture
import UDPChatDialect
import UDPChatIUT
import UDPChatSupport
import UDPChatWire

struct DialectInferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Write a dialect file from a session: one it drives from the submission's manifests, or a recorded pcap.",
        discussion: """
            Live: give the submission's server and client manifests (no dialect needed; a dialect: line \
            is ignored). Infer runs them together, in a sandbox as `udpchat grade` does, and types a normal \
            session to the clients through the client manifest's input actions with values it chose: the \
            server starts, two clients join, client-1 connects to an id nobody has (LOOKUP, INACTIVE), then \
            to client-2, which rejects (when there is input.reject) and then accepts, both chat, client-1 \
            ends the connection, both quit. The datagrams between them are captured on the wire. The client \
            manifest needs input.connect and input.send; a server alone cannot be driven (nothing udpchat \
            sends would be in its format): give its client manifest too. Progress lines go to standard error.

            Offline: record a normal session of the submission yourself (the same steps), keep its console \
            output, and say which values it used: the ids (with the one found inactive) and the texts typed \
            (--id, --text, or a --values file: `ids: [1, 2, 9]`, `texts: [hello, "fine, you?"]`, optionally \
            `ports: [40001]`).

            Each datagram is placed in the exchange it belongs to (REGISTER/REGISTERED, \
            LOOKUP/PEER or INACTIVE, CONNECT/ACCEPT or REJECT, MSG/ACK, TERMINATE/TERMINATED, \
            LEAVE/LEFT), and the values found in it become placeholders ({id}, {self}, {to}, \
            {port}, {host}, {seq} or {bit}, {conn}, {tag}, {text}). The file has a comment per \
            message saying how sure it is and which exchange it came from; what could not be \
            placed is left out and named, on standard error and at the end of the file. \
            `udpchat dialect check` accepts what it writes: check it, and compare its examples \
            with what you meant (docs/DIALECTS.md, "Inferring a dialect").

            Exit status: 0 written; 1 nothing could be inferred (the values never appear in the \
            datagrams, or none passed); 2 the inputs cannot be used (a manifest alone, missing input \
            actions, no sandbox, a program that cannot start; unreadable pcap, no UDP in it, a bad values \
            file, no values given).

            """ + HelpLayout.examples(
                "udpchat dialect infer server.yaml client.yaml --output mine.dialect.yaml",
                "udpchat dialect infer sub/server.yaml sub/client.yaml --isolation none \\",
                "    --rto 500ms --keep sub/session --output sub.dialect.yaml",
                "sudo udpchat record --interface lo --port 7070 --port 40001 --port 40002 \\",
                "    --out s.pcap --duration 60s",
                "udpchat dialect infer --pcap s.pcap --console s.log --id 1 --id 2 --id 9 \\",
                "    --text hello --text 'fine, you?' --output mine.dialect.yaml",
                "udpchat dialect infer --pcap Fixtures/infer/colon/session.pcap \\",
                "    --values Fixtures/infer/colon/session.values.yaml --output colon.yaml")
    )

    @Argument(help: ArgumentHelp("Live: the submission's server and client manifests (YAML); infer drives a session of them.", valueName: "manifest"))
    var manifests: [String] = []

    @Option(help: ArgumentHelp("Offline: the recorded session (pcap or pcapng).", valueName: "file"))
    var pcap: String?

    @Option(help: ArgumentHelp("Offline: the session's console log: only raises confidence (a text typed on one side, shown on the other).", valueName: "file"))
    var console: String?

    @Option(help: ArgumentHelp("Offline: the server's address (default: the endpoint most endpoints send their first datagram to).", valueName: "host:port"))
    var server: String?

    @Option(help: ArgumentHelp("Offline: a YAML file of the session's values: ids, ports, texts.", valueName: "file"))
    var values: String?

    @Option(name: .customLong("id"), help: ArgumentHelp("Offline: a client id the session used (repeat; include ids looked up and found inactive).", valueName: "n"))
    var ids: [ClientID] = []

    @Option(name: .customLong("port"), help: ArgumentHelp("Offline: a port a client announced (repeat).", valueName: "n"))
    var ports: [UInt16] = []

    @Option(name: .customLong("text"), help: ArgumentHelp("Offline: a text typed as chat (repeat).", valueName: "text"))
    var texts: [String] = []

    @Option(help: ArgumentHelp("Live: the RTO the programs run at when the client command takes {rto} (a normal session loses nothing: it only sets how long a step may take).", valueName: "duration"))
    var rto: DurationArgument = DurationArgument(.seconds(1))

    @Option(help: ArgumentHelp("Live: auto / required: the programs run in a sandbox, as under `udpchat grade` (exit 2 when there can be none); none: on the host, unsandboxed.", valueName: "auto|required|none"))
    var isolation: Isolation = .auto

    @Option(help: ArgumentHelp("Live: the instructor's sandbox policy (as `udpchat grade --policy`).", valueName: "file"))
    var policy: String?

    @Option(help: ArgumentHelp("Live: also write the recorded session into this folder (session.pcap, session.console.log, session.values.yaml), to infer from it again with --pcap.", valueName: "dir"))
    var keep: String?

    @Option(help: ArgumentHelp("The dialect's name in the file.", valueName: "name"))
    var name: String = "inferred"

    @Option(help: ArgumentHelp("Where to write the dialect file (- for standard output).", valueName: "file"))
    var output: String

    func validate() throws {
        if let server, Endpoint(parsing: server) == nil { throw ValidationError("--server \(server.debugDescription) is not HOST:PORT") }
        if manifests.isEmpty, pcap == nil { throw ValidationError("give the submission's manifests (live) or --pcap FILE (a recorded session)") }
        if !manifests.isEmpty {
            if pcap != nil { throw ValidationError("give the manifests (live) or --pcap FILE (offline), not both") }
            if console != nil || server != nil || values != nil || !ids.isEmpty || !ports.isEmpty || !texts.isEmpty {
                throw ValidationError("--console, --server, --values, --id, --port and --text describe a recorded session (--pcap); live, infer chooses the values itself")
            }
            if rto.duration <= .zero { throw ValidationError("--rto must be above zero") }
        } else if keep != nil || policy != nil || isolation != .auto {
            throw ValidationError("--keep, --isolation and --policy are for the live mode (the manifests)")
        }
    }

    func run() async throws {
        if let pcap { try runOffline(pcap: pcap) } else { try await runLive() }
    }

    func runOffline(pcap: String) throws {
        let known = try sessionValues()
        let datagrams = try recordedDatagrams(pcap)
        let consoleText = try console.map { path in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail(2, "cannot read the console log \(path)") }
            return text
        }
        let inferred: InferredDialect
        do {
            inferred = try DialectInference.infer(datagrams, server: server.flatMap(Endpoint.init(parsing:)), values: known,
                                                  console: consoleText, name: name)
        } catch {
            throw fail(1, "\(pcap): \(error.reason)")
        }
        try write(inferred)
    }

    /// Names what was not placed (standard error), writes the file, and says what it holds.
    func write(_ inferred: InferredDialect) throws {
        for item in inferred.unplaced { printError("dialect infer: not placed: \(item)") }
        if output == "-" {
            print(inferred.yaml, terminator: "")
        } else {
            do { try inferred.yaml.write(toFile: output, atomically: true, encoding: .utf8) } catch { throw fail(2, "cannot write \(output): \(error.localizedDescription)") }
            let summary = inferred.messages.map { "\($0.verb.rawValue) (\($0.confidence.rawValue))" }.joined(separator: ", ")
            print("\(output): dialect \(inferred.name), format \(inferred.format.rawValue), \(inferred.messages.count) messages: \(summary)")
        }
    }

    /// The values from --values and the flags together; none at all is an error (exit 2).
    func sessionValues() throws -> InferValues {
        var known = InferValues(ids: ids, ports: ports, texts: texts)
        if let values {
            guard let text = try? String(contentsOfFile: values, encoding: .utf8) else { throw fail(2, "cannot read the values file \(values)") }
            do { known = try InferValues.parse(yaml: text, file: values).merged(with: known) } catch { throw fail(2, error.reason) }
        }
        if known.ids.isEmpty && known.texts.isEmpty { throw fail(2, "no values: name the session's client ids and typed texts (--id, --text or --values FILE)") }
        return known
    }

    /// The pcap's UDP datagrams; a file that cannot be read or has none is an error (exit 2).
    func recordedDatagrams(_ pcap: String) throws -> [InferDatagram] {
        let capture: Capture
        do { capture = try PcapReader.read(path: pcap) } catch { throw fail(2, error.description) }
        let datagrams = capture.datagrams.map { InferDatagram(time: $0.timestamp, from: $0.source, to: $0.destination, bytes: $0.payload) }
        if datagrams.isEmpty { throw fail(2, "\(pcap) has no UDP datagrams (\(capture.frames.count) frames): record the session's UDP traffic") }
        return datagrams
    }

    func fail(_ status: Int32, _ message: String) -> ExitCode {
        printError("dialect infer: \(message)")
        return ExitCode(status)
    }
}
