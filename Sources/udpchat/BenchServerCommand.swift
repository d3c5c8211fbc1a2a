import ArgumentParser

struct BenchServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "Load-test the reference server: registrations, pipelined LOOKUPs, latency, RSS.")

    func run() async throws {
        throw ValidationError("'udpchat bench server' is not implemented yet")
    }
}
