import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks: server lookups, proxy throughput and latency.")

    func run() async throws {
        throw ValidationError("'udpchat bench' is not implemented yet")
    }
}
