import ArgumentParser
import Foundation
import UDPChatCapture
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport
import UDPChatTransparent
import UDPChatWire
#if canImport(Glibc)
import Glibc
#endif

// `udpchat transparent`: the impairment proxy for programs whose addresses cannot be changed (a server
// pinned to 7070, clients sending to localhost:7070): every UDP datagram on a private loopback goes
// through the relay core by way of netfilter's queue, addresses unchanged.

struct TransparentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transparent",
        abstract: "Impair every UDP datagram on a private loopback, addresses unchanged (for programs pinned to their ports).",
        discussion: """
            Runs COMMAND in a new network namespace of its own (its own loopback, its own port 7070) and \
            puts every UDP datagram its programs send on that loopback through the proxy's relay core: \
            the same impairments, rules, counters and trace as `udpchat proxy`, without changing an \
            address. Datagrams toward --server-port are up, replies down; between two clients the one \
            who spoke first is up. Needs root and iptables (NFQUEUE). Inside a namespace that is \
            already private (the grader's case sandbox, `unshare -n`, `bwrap --unshare-net`) give \
            --private-namespace, with a COMMAND or alone (then it relays until Ctrl-C); it refuses \
            to run where the namespace has an interface besides lo. \
            See docs/PROXY.md, "Transparent mode".

            """ + HelpLayout.examples(
                "udpchat transparent --rule 'drop verb=REGISTER nth=1' --trace t.jsonl \\",
                "    -- sh -c 'java Server & sleep 1; java Client < in.txt'",
                "udpchat transparent --loss 10% --delay up:50ms --seed 1 -- ./run-all.sh",
                "udpchat transparent --private-namespace --duplicate 5%")
    )

    @OptionGroup var impairment: ImpairmentOptions
    @Option(help: "Datagrams to this port are up (toward the server), from it down; 0: the first speaker of each pair is up.")
    var serverPort: UInt16 = ProtocolDefaults.port
    @Option(help: "Seed of every random decision (default: random, printed).") var seed: UInt64?
    @Option(help: "Write one JSON line per datagram event to this file (the proxy's trace format).") var trace: String?
    @Option(help: "Write what is queued (before impairment) to FILE.received.pcap and what leaves (after) to FILE.sent.pcap.") var pcap: String?
    @Option(help: "The netfilter queue number (queues are per network namespace).") var queueNum: UInt16 = 7070
    @Flag(help: "Run in the current network namespace, which you declare private (lo its only interface), instead of a new one.")
    var privateNamespace = false
    @Argument(parsing: .postTerminator, help: "The command to run with the relay in front of its loopback, after --.")
    var command: [String] = []

    func validate() throws {
        if command.isEmpty && !privateNamespace {
            throw ValidationError("give the command to run after --, e.g. -- sh -c 'server & client' (or --private-namespace to relay until Ctrl-C)")
        }
        _ = try impairment.impairments()
    }

    func makeConfiguration() throws -> TransparentConfiguration {
        var impairments = try impairment.impairments()
        let wire = try impairment.wire(command: "transparent")
        if impairment.dialect != nil { impairments.reader = MessageReader(wire) }
        impairment.warnAboutRules(impairments.rules, in: wire, command: "transparent")
        var configuration = TransparentConfiguration(impairments: impairments, seed: seed ?? UInt64.random(in: 1...UInt64(UInt32.max)))
        configuration.serverPort = serverPort == 0 ? nil : serverPort
        configuration.queue = queueNum
        configuration.tracePath = trace
        configuration.countVerbs = impairment.countVerbs
        configuration.namespaceIsPrivate = privateNamespace
        return configuration
    }

    func run() async throws {
        var configuration: TransparentConfiguration
        do { configuration = try makeConfiguration() } catch { throw Self.fail("\(error)") }
        let tapFiles: TapFiles?
        do { tapFiles = try pcap.map { file throws(UDPChatError) in try TapFiles(file: file) } } catch { throw Self.fail(error.description) }
        if let tapFiles {
            configuration.tap = { datagram in
                tapFiles.record(sent: datagram.point == .sent, timestamp: datagram.timestamp, source: datagram.source,
                                destination: datagram.destination, payload: datagram.payload)
            }
        }
        let banner = banner(configuration)
        let outcome = try await command.isEmpty ? relayUntilSignal(configuration, banner: banner) : runCommand(configuration, banner: banner)
        Console.line("udpchat transparent: \(command.isEmpty ? "stopped" : "command exited with status \(outcome.status)"); final counters:")
        Console.line(TransparentRelay.report(outcome.stats, serverPort: configuration.serverPort))
        if let tapFiles {
            let counts = try tapFiles.finish()
            Console.line("pcap: \(counts.received) received → \(tapFiles.received.path), \(counts.sent) sent → \(tapFiles.sent.path)")
        }
        if outcome.status != 0 { throw ExitCode(outcome.status) }
    }

    /// Runs the command with the relay in front of its loopback. The command gets Ctrl-C (the signal
    /// of its process group); udpchat ignores it meanwhile, waits for the command, then reports.
    private func runCommand(_ configuration: TransparentConfiguration, banner: [String]) async throws -> TransparentRun.Outcome {
        let previous = (signal(SIGINT, SIG_IGN), signal(SIGTERM, SIG_IGN))
        defer { _ = (signal(SIGINT, previous.0), signal(SIGTERM, previous.1)) }
        do {
            return try await TransparentRun.run(configuration, command: command, newNamespace: !privateNamespace) { _ in
                banner.forEach(Console.line)
            }
        } catch {
            throw Self.fail("\(error)")
        }
    }

    /// Relays in this (private) namespace until SIGINT or SIGTERM.
    private func relayUntilSignal(_ configuration: TransparentConfiguration, banner: [String]) async throws -> TransparentRun.Outcome {
        let relay: TransparentRelay
        do {
            try PrivateNamespace.check()
            try PrivateNamespace.ensureLoopbackUp()
            relay = try TransparentRelay.start(configuration)
        } catch {
            throw Self.fail("\(error)")
        }
        _ = try await GracefulRun.waitForSignal(ready: { (banner + ["relaying until Ctrl-C (SIGINT) or SIGTERM"]).forEach(Console.line) })
        return TransparentRun.Outcome(status: 0, stats: relay.stop())
    }

    private func banner(_ configuration: TransparentConfiguration) -> [String] {
        var lines = ["udpchat transparent: seed \(configuration.seed) (repeat with --seed \(configuration.seed))"]
        let place = privateNamespace ? "this network namespace" : "a new network namespace"
        lines.append("relaying every UDP datagram on lo of \(place)\(ProxyCommand.summary(configuration.impairments))")
        if let trace { lines.append("tracing to \(trace)") }
        return lines
    }

    static func fail(_ message: String) -> ExitCode {
        Console.error("udpchat transparent: \(message)")
        return ExitCode.failure
    }
}
