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
    var caseID: String

    @Option(help: "RTO in seconds.")
    var rto: Double

    @Option(help: "The manifest, as JSON.")
    var manifestJSON: String

    func run() async throws {
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(manifestJSON.utf8))
        } catch {
            FileHandle.standardError.write(Data("grade-worker: bad --manifest-json: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let result = await Grader.runWorker(caseID: caseID, manifest: manifest, rto: .nanoseconds(Int64((rto * 1e9).rounded())))
        let data = try JSONEncoder().encode(result)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
