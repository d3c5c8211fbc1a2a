// `udpchat bench server`: Load-test the reference server: registrations, pipelined LOOKUPs, latency, RSS.
import ArgumentParser
import UDPChatBench

struct BenchServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Load-test the reference server: registrations, pipelined LOOKUPs, latency, RSS.",
        discussion: """
            Starts the server as a child process (this executable, table printing off). --clients sockets each \
            register an id, then keep --pipeline LOOKUPs in flight for --duration; prints answered/s, p50/p99 \
            latency and the server's RSS. Then registers --registrations more ids, one per source address \
            (127.1.x.y, sockets closed once registered), and prints the RSS again. Use a release build.
            """
    )

    @Option(help: "Load-generator sockets, each registered with its own id.")
    var clients = 4

    @Option(help: "LOOKUPs kept in flight per socket.")
    var pipeline = 32

    @Option(help: "How long to send LOOKUPs.")
    var duration = DurationArgument(.seconds(10))

    @Option(help: "Ids to register from distinct source addresses after the lookup phase (0: skip).")
    var registrations = 50_000

    func validate() throws {
        guard (1...1000).contains(clients) else { throw ValidationError("--clients must be from 1 to 1000, got \(clients)") }
        guard (1...30_000).contains(pipeline) else { throw ValidationError("--pipeline must be from 1 to 30000, got \(pipeline)") }
        guard duration.duration > .zero else { throw ValidationError("--duration must be greater than zero") }
        guard (0...1_000_000).contains(registrations) else {
            throw ValidationError("--registrations must be from 0 to 1000000, got \(registrations)")
        }
    }

    func run() async throws {
        var bench = ServerBench()
        bench.clients = clients
        bench.pipeline = pipeline
        bench.duration = duration.duration
        bench.registrations = registrations
        let outcome: GracefulRun.Outcome<Void?>
        do {
            outcome = try await GracefulRun.runCancelling { [bench] in try await bench.run { Console.line($0) } }
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
        if let signal = outcome.signalName, let code = outcome.signalExitCode {
            Console.error("bench server: interrupted by \(signal): stopped (its server child too); no report")
            throw ExitCode(code)
        }
    }
}
