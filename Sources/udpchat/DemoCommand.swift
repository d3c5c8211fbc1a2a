import ArgumentParser
import Logging
import UDPChatRuntime

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a server and two clients on loopback and play a short conversation.",
        discussion: """
            Alice looks up an inactive id, connects to Bob, Bob accepts, they exchange messages both ways, \
            Alice ends the connection and both leave. Every party's console is shown, prefixed with its name. \
            Exits 0 when the conversation completes, 1 if it does not within --timeout.
            """
    )

    @Option(help: "Retransmission timeout of both clients.")
    var rto = DurationArgument(.milliseconds(300))

    @Option(help: "Give up (exit 1) if the conversation has not completed after this long.")
    var timeout = DurationArgument(.seconds(30))

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard rto.duration > .zero else { throw ValidationError("--rto must be greater than zero") }
        guard timeout.duration > .zero else { throw ValidationError("--timeout must be greater than zero") }
    }

    func run() async throws {
        logging.bootstrap()
        var demo = DemoConversation()
        demo.rto = rto.duration
        demo.timeout = timeout.duration
        do {
            try await demo.run(logger: Logger(label: "udpchat.demo")) { Console.line($0) }
        } catch {
            Console.error("error: the demo conversation did not complete: \(error)")
            throw ExitCode(1)
        }
    }
}
