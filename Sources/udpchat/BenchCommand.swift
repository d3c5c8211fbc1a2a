// `udpchat bench`: Benchmarks: server lookups, proxy throughput and latency.
import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: server lookups, proxy throughput and latency.",
        subcommands: [BenchServerCommand.self, BenchProxyCommand.self]
    )
}
