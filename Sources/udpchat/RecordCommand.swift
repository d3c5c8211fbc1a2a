// `udpchat record`: Capture live traffic to a pcap file with libpcap.
import ArgumentParser
import Dispatch
import Foundation
import NIOPosix
import UDPChatCapture

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import UDPChatSupport

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Capture live traffic to a pcap file with libpcap.",
        discussion: """
            Captures UDP on an interface (immediate mode, snaplen 65535) until Ctrl-C, SIGTERM, \
            --duration or --count, then reports packets captured and the kernel's drop count. The \
            filter is 'udp and (port A or port B …)' from --port, or --filter given whole (both: \
            combined with 'and'); plain 'udp' without either. Needs root or \
            `setcap cap_net_raw,cap_net_admin+eip` on the binary. The file appears only when the \
            capture ends cleanly.

            """ + HelpLayout.examples(
                "sudo udpchat record --port 7070 --out chat.pcap",
                "udpchat record --interface lo --port 7070 --port 9102 --duration 30s \\",
                "    --out chat.pcap",
                "udpchat record --filter 'udp and host 127.0.0.1' --count 1000 --out udp.pcap"))

    @Option(help: "Interface to capture on.")
    var interface = "lo"

    @Option(help: "Capture UDP to or from this port (repeatable).")
    var port: [UInt16] = []

    @Option(help: "A BPF filter expression, e.g. 'udp and host 127.0.0.1'.")
    var filter: String?

    @Option(help: "The pcap file to write.")
    var out: String

    @Option(help: "Stop after this long (e.g. 30s).")
    var duration: DurationArgument?

    @Option(help: "Stop after this many packets.")
    var count: Int?

    @Option(help: "Kernel capture buffer in MiB (bigger absorbs bursts without drops).")
    var bufferMb = 256

    @Option(help: ArgumentHelp("Create FILE once the capture is live, so a script can wait for it (e.g. `while [ ! -e FILE ]; do sleep 0.05; done`) before it starts the traffic.", valueName: "FILE"))
    var readyFile: String?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if !(1...2047).contains(bufferMb) { throw ValidationError("--buffer-mb must be 1 to 2047") }
    }

    func run() async throws {
        let expression = LiveCapture.filter(ports: port, expression: filter)
        let options = LiveCapture.Options(
            interface: interface, filter: expression, count: count, duration: duration.map(\.duration.seconds),
            bufferSize: Int32(bufferMb) << 20)
        let capture: LiveCapture
        do {
            capture = try LiveCapture(options: options, outputPath: out)
        } catch {
            throw CaptureFailure.exit("record", error)
        }
        // Ctrl-C or SIGTERM stops the capture; it then writes its file and counts as usual. The kernel
        // has been capturing since the handle was activated; "ready" (and the ready file) goes out once
        // the signals are handled too, so a script may stop it as soon as it sees it.
        let outcome = try await GracefulRun.run(onShutdown: { capture.stop() }) { [interface, expression, out, readyFile] in
            standardError("capturing on \(interface) with filter '\(expression)' to \(out) (ready; Ctrl-C to stop)")
            if let readyFile, !FileManager.default.createFile(atPath: readyFile, contents: Data()) {
                standardError("udpchat record: cannot create --ready-file \(readyFile)")
            }
            let pool = NIOThreadPool(numberOfThreads: 1)
            pool.start()
            let result: Result<LiveCapture.Statistics, UDPChatError> = try await pool.runIfActive {
                Result { () throws(UDPChatError) in try capture.run() }
            }
            try await pool.shutdownGracefully()
            return result
        }
        let result = outcome.value
        switch result {
        case .success(let stats):
            print("captured \(stats.captured) packets to \(out); kernel dropped \(stats.kernelDrops), interface dropped \(stats.interfaceDrops) (kernel counted \(stats.received))")
        case .failure(let error):
            throw CaptureFailure.exit("record", error)
        }
    }
}
