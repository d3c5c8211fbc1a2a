import ArgumentParser
import Foundation
import UDPChatIUT
import UDPChatScenario

/// The per-run worker `udpchat scenario run --mode live` runs inside the sandbox of each run that
/// starts a third-party manifest (hidden): it runs the scenario there, so every socket and process
/// of the run lives in the sandbox's network namespace, then prints what it observed as one JSON line.
struct ScenarioWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario-worker",
        abstract: "Run one live scenario run (inside its sandbox) and print its observation as JSON.",
        shouldDisplay: false
    )

    @Option(help: "The scenario file's path (as the parent names it, for reports).")
    var scenario: String

    @Option(help: "The scenario file's text.")
    var yaml: String

    @Option(help: "The third-party manifests by party name, as JSON.")
    var manifestsJSON: String

    @Option(help: "The run's seed.")
    var seed: UInt64

    @Option(help: "RTO in seconds (default: the scenario's).")
    var rto: Double?

    @Option(help: "Write the proxies' pcap here.")
    var pcap: String?

    func run() async throws {
        let rto = self.rto.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
        let manifests: [String: Manifest]
        do {
            manifests = try JSONDecoder().decode([String: Manifest].self, from: Data(manifestsJSON.utf8))
        } catch {
            FileHandle.standardError.write(Data("scenario-worker: bad --manifests-json: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let result = await LiveRunner.runWorker(yaml: yaml, path: scenario, manifests: manifests, seed: seed, rto: rto, pcapPath: pcap)
        SandboxResult.emit(try JSONEncoder().encode(result))
    }
}
