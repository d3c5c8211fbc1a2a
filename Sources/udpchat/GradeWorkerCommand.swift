import ArgumentParser
import Foundation
import UDPChatGrader
import UDPChatIUT

/// The per-case worker `udpchat grade` runs inside each case's sandbox (hidden): it plays the
/// grader's parties and starts the implementation there, so every socket of the case lives in the
/// sandbox's network namespace, then prints the case's result as one JSON line on standard output.
struct GradeWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade-worker",
        abstract: "Run one grading case (inside its sandbox) and print its result as JSON.",
        shouldDisplay: false
    )

    @Option(name: .customLong("case"), help: "The case id.")
    var caseID: String?

    @Option(help: "RTO in seconds.")
    var rto: Double

    @Option(help: "The manifest (for --interop pairs: the initiator's), as JSON.")
    var manifestJSON: String

    @Option(help: "A whole submission's client manifest, as JSON (--manifest-json is then its server's).")
    var clientJSON: String?

    @Option(help: "Interop: the responder's manifest, as JSON.")
    var responderJSON: String?

    @Option(help: "Interop: the reference server command, as a JSON list.")
    var serverJSON: String?

    @Option(help: "Interop: the relay's seed.")
    var seed: UInt64 = 1

    @Option(help: "Interop: the relay's loss probability.")
    var loss: Double = 0.2

    func run() async throws {
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(manifestJSON.utf8))
        } catch {
            FileHandle.standardError.write(Data("grade-worker: bad --manifest-json: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let rto = Duration.nanoseconds(Int64((rto * 1e9).rounded()))
        let data: Data
        if let responderJSON, let serverJSON {
            let responder = try JSONDecoder().decode(Manifest.self, from: Data(responderJSON.utf8))
            let server = try JSONDecoder().decode([String].self, from: Data(serverJSON.utf8))
            data = try JSONEncoder().encode(await Interop.runWorker(manifest, responder, serverCommand: server, rto: rto, loss: loss, seed: seed))
        } else {
            let partner = try clientJSON.map { try JSONDecoder().decode(Manifest.self, from: Data($0.utf8)) }
            data = try JSONEncoder().encode(await Grader.runWorker(caseID: caseID ?? "", manifest: manifest, partner: partner, rto: rto))
        }
        SandboxResult.emit(data)
    }
}
