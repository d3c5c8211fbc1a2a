import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run a server and two clients on loopback and play a short conversation.")

    func run() async throws {
        throw ValidationError("'udpchat demo' is not implemented yet")
    }
}
