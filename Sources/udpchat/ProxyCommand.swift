import ArgumentParser

struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "proxy", abstract: "Relay UDP through an impaired network: loss, delay, duplication, reordering, rules.")

    func run() async throws {
        throw ValidationError("'udpchat proxy' is not implemented yet")
    }
}
