// `udpchat decode`: Show a pcap/pcapng capture as chat protocol messages.
import ArgumentParser
import Foundation
import UDPChatCapture
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

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
            previous copy is a duplicate, later it is a re-send. Several files are decoded one after \
            the other. A capture cut short shows every frame before the cut, then the error (exit 1). \
            A capture that starts in the middle of a session (an answer to a request it does not \
            hold) ends with a note saying so. --wireshark FILE writes the analysis (re-sends, \
            duplicates, which request each answer answers) for the Wireshark dissector to show: \
            tshark or Wireshark with -X lua_script:contrib/wireshark/udpchat.lua and \
            -o udpchat.analysis:FILE (docs/CAPTURE.md).

            """ + HelpLayout.examples(
                "udpchat decode Fixtures/pcap/clean-chat.pcap",
                "udpchat decode Fixtures/pcap/lossy-chat.received.pcap \\",
                "    Fixtures/pcap/lossy-chat.sent.pcap --chat-port 9102",
                "udpchat decode chat.pcap --json --filter 'udp port 7070'",
                "udpchat decode chat.pcap --wireshark chat.analysis.lua"))

    @Argument(help: ArgumentHelp("Pcap or pcapng files, decoded one after the other.", valueName: "file"))
    var files: [String]

    @Flag(help: "Print the timeline and summary as JSON.")
    var json = false

    @Option(help: "Only decode frames matching this BPF filter (e.g. 'udp port 7070').")
    var filter: String?

    @Option(name: .customLong("chat-port"), help: "A UDP port whose traffic is always chat (repeatable).")
    var chatPorts: [UInt16] = [ProtocolDefaults.port]

    @Option(help: "Repeats closer than this are duplicates, later ones re-sends.")
    var dupWindow = DurationArgument(.milliseconds(20))

    @Option(help: "The wire format to read: a dialect file (docs/DIALECTS.md) or a built-in name; the contract's own when not given.")
    var dialect: String?

    @Option(help: ArgumentHelp("Write decode's analysis for the Wireshark dissector here (tshark -o udpchat.analysis:FILE): one capture, no --filter.", valueName: "file"))
    var wireshark: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one capture file") }
        if wireshark != nil, files.count > 1 { throw ValidationError("--wireshark writes the analysis of one capture: name one file") }
        if wireshark != nil, filter != nil {
            throw ValidationError("--wireshark needs every frame, numbered as Wireshark numbers them: drop --filter (filter in Wireshark instead)")
        }
    }

    func run() async throws {
        let options = ChatDecoder.Options(chatPorts: Set(chatPorts), duplicateWindow: dupWindow.duration.seconds,
                                          dialect: try loadDialect(dialect))
        var failed = false
        var jsonReports: [String] = []
        for (index, file) in files.enumerated() {
            // A capture cut short still shows every frame before the cut, then the error.
            let capture: Capture
            do {
                capture = try PcapReader.readPartial(path: file, filter: filter)
            } catch {
                standardError("udpchat decode: \(error)")
                failed = true
                continue
            }
            let decoded = ChatDecoder.decode(capture, options: options)
            if let wireshark {
                do { try decoded.wiresharkAnalysis(file: file).write(toFile: wireshark, atomically: true, encoding: .utf8) } catch {
                    standardError("udpchat decode: cannot write \(wireshark): \(error.localizedDescription)")
                    failed = true
                }
            }
            if json {
                jsonReports.append(decoded.json(file: files.count > 1 ? file : nil, error: capture.cut?.description))
            } else {
                if files.count > 1 { standardOutput((index > 0 ? "\n" : "") + "==> \(file) <==") }
                standardOutput(decoded.text())
            }
            if let cut = capture.cut {
                standardError("udpchat decode: \(cut)")
                failed = true
            }
        }
        if json, !jsonReports.isEmpty {
            standardOutput(files.count > 1 ? "[\n" + jsonReports.joined(separator: ",\n") + "\n]" : jsonReports[0])
        }
        if failed { throw ExitCode.failure }
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
func standardError(_ line: String) { Console.error(line) }

/// Writes one line to standard output at once (unbuffered, so it stays in order with standard error).
func standardOutput(_ line: String) { Console.line(line) }
