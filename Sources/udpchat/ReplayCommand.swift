// `udpchat replay`: Replay the UDP payloads of a capture against a target.
import ArgumentParser
import NIOPosix
import UDPChatCapture
import UDPChatDialect
import UDPChatSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay the UDP payloads of a capture against a target.",
        discussion: """
            Re-sends the datagrams the capture shows going to its server endpoint (--server, default: \
            the endpoint with the target's port, else the one most sources talk to) toward --to, from \
            one local socket per original source, with the recorded timing scaled by --speed (or back \
            to back with --fast). With --expect, the replies each socket gets are compared in order \
            with the replies the capture shows the server sending to that source; every difference is \
            listed and the exit status is 1 if there is any. A capture cut short is replayed up to the \
            cut, then the error is printed and the exit status is 1.

            """ + HelpLayout.examples(
                "udpchat replay Fixtures/pcap/clean-chat.pcap --to 127.0.0.1:7070 --fast",
                "udpchat replay Fixtures/pcap/clean-chat.pcap --to 127.0.0.1:7070 --expect",
                "udpchat replay chat.pcap --to 127.0.0.1:7071 --speed 2 \\",
                "    --filter 'udp port 7070' --settle 2s"))

    @Argument(help: "A pcap or pcapng file.")
    var file: String

    @Option(help: "The target HOST:PORT.")
    var to: EndpointArgument

    @Option(help: "Timing scale: 2 replays twice as fast.")
    var speed: Double?

    @Flag(help: "Send back to back, ignoring the recorded timing.")
    var fast = false

    @Option(help: "Only replay frames matching this BPF filter.")
    var filter: String?

    @Flag(help: "Compare the target's replies with the captured replies; exit 1 on any difference.")
    var expect = false

    @Option(help: "The server endpoint in the capture whose incoming datagrams are replayed.")
    var server: EndpointArgument?

    @Option(help: "How long to wait for missing replies after the last datagram.")
    var settle = DurationArgument(.seconds(1))

    @Option(help: "The wire format (a dialect file, docs/DIALECTS.md): with --expect, replies match when they read as the same message.")
    var dialect: String?

    func validate() throws {
        if speed != nil, fast { throw ValidationError("use either --speed or --fast, not both") }
        if let speed, !(speed > 0 && speed.isFinite) { throw ValidationError("--speed must be a positive number") }
    }

    func run() async throws {
        // A capture cut short is replayed up to the cut; the error follows the report (exit 1).
        let capture: Capture
        do {
            capture = try PcapReader.readPartial(path: file, filter: filter)
        } catch {
            throw CaptureFailure.exit("replay", error)
        }
        if let cut = capture.cut, capture.datagrams.isEmpty { throw CaptureFailure.exit("replay", cut) }  // nothing before the cut
        var options = Replayer.Options(
            target: to.endpoint, originalServer: server?.endpoint, speed: speed ?? 1, fast: fast,
            settle: settle.duration.seconds)
        options.dialect = try loadDialect(dialect)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let outcome: Result<Replayer.Report, any Error>
        do {
            outcome = .success(try await Replayer.run(datagrams: capture.datagrams, options: options, group: group))
        } catch {
            outcome = .failure(error)
        }
        try await group.shutdownGracefully()
        let report: Replayer.Report
        switch outcome {
        case .success(let value): report = value
        case .failure(let error): throw CaptureFailure.exit("replay", error)
        }
        print("replayed \(report.sent) \(plural(report.sent, "datagram")) to \(to.endpoint) (captured server \(report.originalServer)) from \(report.sources.count) \(plural(report.sources.count, "socket")); \(report.received) \(plural(report.received, "reply", "replies"))")
        for source in report.sources {
            print("  \(source.original) as port \(source.localPort): sent \(source.sent), replies \(source.received.count) (capture had \(source.expected.count))")
        }
        var differ = false
        if expect, let midSession = ChatDecoder.decode(capture, options: ChatDecoder.Options(dialect: options.dialect)).exchanges.midSession {
            print(midSession.note)
        }
        if expect {
            if report.differences.isEmpty {
                print("replies match the capture")
            } else {
                for line in report.differences { print("DIFF \(line)") }
                print("\(report.differences.count) \(plural(report.differences.count, "difference")) from the capture")
                differ = true
            }
        }
        if let cut = capture.cut {
            fflush(nil)  // the report above goes out before the error
            standardError("udpchat replay: \(cut)")
            throw ExitCode.failure
        }
        if differ { throw ExitCode.failure }
    }
}
