import ArgumentParser

struct BenchProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "proxy", abstract: "Measure throughput and RTT directly and through the impairment proxy.")

    func run() async throws {
        throw ValidationError("'udpchat bench proxy' is not implemented yet")
    }
}
