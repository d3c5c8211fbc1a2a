import ArgumentParser

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "Run the reference chat server (UDP, default 127.0.0.1:7070).")

    func run() async throws {
        throw ValidationError("'udpchat server' is not implemented yet")
    }
}
