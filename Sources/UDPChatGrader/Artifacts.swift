import Foundation

/// Writes one case run's evidence into its artifacts folder: `trace.txt` (readable),
/// `events.json` (machine-readable), `trace.pcap` (the datagrams) and `verdict.txt`.
enum Artifacts {
    static func write(folder: String, caseID: String, verdict: Verdict, reason: String, duration: Double, events: [TraceEvent]) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let trace = Trace.render(events)
            try "\(caseID): \(verdict.rawValue)\n\(reason)\n".write(toFile: "\(folder)/verdict.txt", atomically: true, encoding: .utf8)
            try (trace + "\n").write(toFile: "\(folder)/trace.txt", atomically: true, encoding: .utf8)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(events).write(to: URL(fileURLWithPath: "\(folder)/events.json"))
            let epoch = Date().timeIntervalSince1970 - duration
            try Data(PcapWriter.pcap(events, startedAt: epoch)).write(to: URL(fileURLWithPath: "\(folder)/trace.pcap"))
        } catch {
            FileHandle.standardError.write(Data("grade: cannot write artifacts to \(folder): \(error.localizedDescription)\n".utf8))
        }
    }
}
