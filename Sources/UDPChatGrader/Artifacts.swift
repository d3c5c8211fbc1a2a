import Foundation
import UDPChatCapture
import UDPChatSupport

/// Writes one case run's evidence into its artifacts folder: `trace.txt` (readable),
/// `events.json` (machine-readable), `trace.pcap` (the datagrams) and `verdict.txt`.
enum Artifacts {
    static func write(folder: String, caseID: String, verdict: Verdict, reason: String, duration: Duration, events: [TraceEvent]) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let trace = Trace.render(events)
            try "\(caseID): \(verdict.rawValue)\n\(reason)\n".write(toFile: "\(folder)/verdict.txt", atomically: true, encoding: .utf8)
            try (trace + "\n").write(toFile: "\(folder)/trace.txt", atomically: true, encoding: .utf8)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(events).write(to: URL(fileURLWithPath: "\(folder)/events.json"))
            try writePcap(events, startedAt: Date().timeIntervalSince1970 - duration.seconds, to: "\(folder)/trace.pcap")
        } catch {
            FileHandle.standardError.write(Data("grade: cannot write artifacts to \(folder): \(error.localizedDescription)\n".utf8))
        }
    }

    /// The case's datagrams through the capture module's libpcap writer (synthesized
    /// Ethernet/IP/UDP headers with checksums), so `udpchat decode`, tshark and Wireshark read it.
    static func writePcap(_ events: [TraceEvent], startedAt epoch: Double, to path: String) throws {
        let writer = try PcapWriter(path: path)
        for event in events where event.isDatagram {
            guard let bytes = event.bytes, let remote = event.remote.flatMap(Endpoint.init(parsing:)),
                  let local = event.local.flatMap(Endpoint.init(parsing:)) else { continue }
            let (source, destination) = event.kind == .sent ? (local, remote) : (remote, local)
            try writer.write(timestamp: epoch + event.time.seconds, source: source, destination: destination, payload: bytes)
        }
        _ = try writer.finish()
    }
}
