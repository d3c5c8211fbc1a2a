import ArgumentParser

struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "client", abstract: "Run the reference chat client, driven by commands on standard input.")

    func run() async throws {
        throw ValidationError("'udpchat client' is not implemented yet")
    }
}
