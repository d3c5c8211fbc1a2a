import ArgumentParser
import UDPChatCapture
import UDPChatDialect
import UDPChatSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct DecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Show a pcap/pcapng capture as chat protocol messages.",
        discussion: """
            Prints one line per frame (time since the first frame, source → destination, verb and \
            fields), marks malformed datagrams with the reason, lists non-chat UDP as such, and ends \
            with a summary: per-verb counts, re-sends, duplicates and sequence gaps. A repeat of an \
            identical datagram (same source, destination and bytes) within --dup-window of the \
            previous copy is a duplicate, later it is a re-send.
            """)

    @Argument(help: "A pcap or pcapng file.")
    var file: String

    @Flag(help: "Print the timeline and summary as JSON.")
    var json = false

    @Option(help: "Only decode frames matching this BPF filter (e.g. 'udp port 7070').")
    var filter: String?

    @Option(name: .customLong("chat-port"), help: "A UDP port whose traffic is always chat (repeatable).")
    var chatPorts: [UInt16] = [7070]

    @Option(help: "Repeats closer than this are duplicates, later ones re-sends.")
    var dupWindow = DurationArgument(.milliseconds(20))

    @Option(help: "The wire format to read: a dialect file (docs/DIALECTS.md), or default.")
    var dialect = "default"

    func run() async throws {
        let capture: Capture
        do {
            capture = try PcapReader.read(path: file, filter: filter)
        } catch {
            throw CaptureFailure.exit("decode", error)
        }
        let decoded = ChatDecoder.decode(
            capture, options: ChatDecoder.Options(chatPorts: Set(chatPorts), duplicateWindow: dupWindow.duration.seconds,
                                                  dialect: try loadDialect(dialect)))
        print(json ? decoded.json() : decoded.text())
    }
}

/// A capture/replay error printed as one line on standard error, exit status 1.
struct CaptureFailure: Error, CustomStringConvertible {
    var command: String
    var error: any Error

    var description: String { "udpchat \(command): \(error)" }

    /// Prints the line and returns the exit code to throw.
    static func exit(_ command: String, _ error: any Error) -> ExitCode {
        standardError("udpchat \(command): \(error)")
        return ExitCode.failure
    }
}

/// Writes one line to standard error.
func standardError(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}
