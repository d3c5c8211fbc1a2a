import ArgumentParser

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Replay the UDP payloads of a capture against a target.")

    func run() async throws {
        throw ValidationError("'udpchat replay' is not implemented yet")
    }
}
