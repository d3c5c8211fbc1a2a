import ArgumentParser

struct ScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scenario", abstract: "Run, list and validate impairment scenarios (live or simulated).")

    func run() async throws {
        throw ValidationError("'udpchat scenario' is not implemented yet")
    }
}
