// `udpchat dialect infer`: a dialect file from a recorded session (a pcap and the values it used),
// offline; the live mode that drives the programs itself comes later (docs/DIALECTS.md).
import ArgumentParser
import Foundation
import UDPChatCapture
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

struct DialectInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Write a dialect file from a recorded session: a pcap of its datagrams and the values it used.",
        discussion: """
            Record a normal session of the submission (two clients register, one looks up an id \
            nobody has and then the other, connects, both chat, one ends, both leave), keep its \
            console output, and say which values it used: the ids (with the one found inactive) \
            and the texts typed (--id, --text, or a --values file: `ids: [1, 2, 9]`, \
            `texts: [hello, "fine, you?"]`, optionally `ports: [40001]`).

            Each datagram is placed in the exchange it belongs to (REGISTER/REGISTERED, \
            LOOKUP/PEER or INACTIVE, CONNECT/ACCEPT or REJECT, MSG/ACK, TERMINATE/TERMINATED, \
            LEAVE/LEFT), and the values found in it become placeholders ({id}, {self}, {to}, \
            {port}, {host}, {seq} or {bit}, {conn}, {tag}, {text}). The file has a comment per \
            message saying how sure it is and which exchange it came from; what could not be \
            placed is left out and named, on standard error and at the end of the file. \
            `udpchat dialect check` accepts what it writes: check it, and compare its examples \
            with what you meant. This is the offline mode; one that drives the programs itself \
            comes later (docs/DIALECTS.md, "Inferring a dialect").

            Exit status: 0 written; 1 nothing could be inferred (the values never appear in the \
            datagrams); 2 the inputs cannot be used (unreadable pcap, no UDP in it, a bad values \
            file, no values given).

            """ + HelpLayout.examples(
                "sudo udpchat record --interface lo --port 7070 --port 40001 --port 40002 \\",
                "    --out s.pcap --duration 60s",
                "udpchat dialect infer --pcap s.pcap --console s.log --id 1 --id 2 --id 9 \\",
                "    --text hello --text 'fine, you?' --output mine.dialect.yaml",
                "udpchat dialect infer --pcap Fixtures/infer/colon/session.pcap \\",
                "    --values Fixtures/infer/colon/session.values.yaml --output colon.yaml")
    )

    @Option(help: ArgumentHelp("The recorded session (pcap or pcapng).", valueName: "file"))
    var pcap: String

    @Option(help: ArgumentHelp("The session's console log: only raises confidence (a text typed on one side, shown on the other).", valueName: "file"))
    var console: String?

    @Option(help: ArgumentHelp("The server's address (default: the endpoint most endpoints send their first datagram to).", valueName: "host:port"))
    var server: String?

    @Option(help: ArgumentHelp("A YAML file of the session's values: ids, ports, texts.", valueName: "file"))
    var values: String?

    @Option(name: .customLong("id"), help: ArgumentHelp("A client id the session used (repeat; include ids looked up and found inactive).", valueName: "n"))
    var ids: [ClientID] = []

    @Option(name: .customLong("port"), help: ArgumentHelp("A port a client announced (repeat).", valueName: "n"))
    var ports: [UInt16] = []

    @Option(name: .customLong("text"), help: ArgumentHelp("A text typed as chat (repeat).", valueName: "text"))
    var texts: [String] = []

    @Option(help: ArgumentHelp("The dialect's name in the file.", valueName: "name"))
    var name: String = "inferred"

    @Option(help: ArgumentHelp("Where to write the dialect file (- for standard output).", valueName: "file"))
    var output: String

    func validate() throws {
        if let server, Endpoint(parsing: server) == nil { throw ValidationError("--server \(server.debugDescription) is not HOST:PORT") }
    }

    func run() throws {
        let known = try sessionValues()
        let datagrams = try recordedDatagrams()
        let consoleText = try console.map { path in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail(2, "cannot read the console log \(path)") }
            return text
        }
        let inferred: InferredDialect
        do {
            inferred = try DialectInference.infer(datagrams, server: server.flatMap(Endpoint.init(parsing:)), values: known,
                                                  console: consoleText, name: name)
        } catch {
            throw fail(1, "\(pcap): \(error.message)")
        }
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
            do { known = try InferValues.parse(yaml: text, file: values).merged(with: known) } catch { throw fail(2, error.message) }
        }
        if known.ids.isEmpty && known.texts.isEmpty { throw fail(2, "no values: name the session's client ids and typed texts (--id, --text or --values FILE)") }
        return known
    }

    /// The pcap's UDP datagrams; a file that cannot be read or has none is an error (exit 2).
    func recordedDatagrams() throws -> [InferDatagram] {
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
