// `udpchat demo`: Run a server and two clients on loopback and play a short conversation through a lossy proxy.
import ArgumentParser
import Logging
import UDPChatImpairment
import UDPChatRuntime
import UDPChatScenario
import UDPChatSupport

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a server and two clients on loopback and play a short conversation through a lossy proxy.",
        discussion: """
            Alice looks up an inactive id, connects to Bob, Bob accepts, they exchange messages both ways, \
            Alice ends the connection and both leave. Every party's console is shown, prefixed with its name. \
            The conversation is a scenario (two scripts) run live by the scenario runner, with a narrator.

            By default Bob sits behind an in-process impairment proxy (he advertises the proxy's port, like a \
            client behind a relay) with seeded random loss and duplication and two rules that make every run \
            show a re-send and a discarded duplicate:
              \(DemoProxy.dropRule)
              \(DemoProxy.duplicateRule)
            The proxy's drops and duplicates are shown as they happen, its counters at the end.

            Exits 0 when the conversation completes (each message shown exactly once, in order), 1 naming the \
            failed step otherwise.
            """
    )

    @Flag(help: "Connect Alice and Bob directly, without the proxy.")
    var direct = false

    @Option(help: "Seed of the proxy's random loss and duplication (default: random; the seed is printed).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Random loss between Alice and Bob: 10%, 10%,corr=25%, ge:p=5%,r=50%, off; prefix up: or down: for one direction.", valueName: "loss"))
    var loss = "10%"

    @Option(help: ArgumentHelp("Random duplication between Alice and Bob: a percentage or off; prefix up: or down: for one direction.", valueName: "percent"))
    var duplicate = "10%"

    @Option(help: ArgumentHelp("Retransmission timeout of both clients: 300ms, 1s or plain seconds, greater than zero.", valueName: "duration"))
    var rto = DurationArgument(.milliseconds(300))

    @Option(help: ArgumentHelp("Give up (exit 1, naming the step) if any one step takes longer than this: 10s, 500ms or plain seconds.", valueName: "duration"))
    var timeout = DurationArgument(.seconds(10))

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard rto.duration > .zero else { throw ValidationError("--rto must be greater than zero, got \(rto)") }
        guard timeout.duration > .zero else { throw ValidationError("--timeout must be greater than zero, got \(timeout)") }
        _ = try proxy(seed: 0)
    }

    /// `--loss` and `--duplicate` as the demo's proxy.
    func proxy(seed: UInt64) throws -> DemoProxy {
        do {
            _ = try DemoProxy(seed: seed, loss: loss)
        } catch { throw ValidationError("--loss \(loss): \(error)") }
        do {
            return try DemoProxy(seed: seed, loss: loss, duplicate: duplicate)
        } catch { throw ValidationError("--duplicate \(duplicate): \(error)") }
    }

    func run() async throws {
        logging.bootstrap()
        var demo = Demo()
        demo.rto = rto.duration
        demo.stepTimeout = timeout.duration
        if !direct {
            let seed = self.seed ?? UInt64.random(in: 0...999_999)
            Console.line("demo     | seed \(seed) (run again with --seed \(seed) for the same proxy decisions); RTO \(rto)")
            demo.proxy = try proxy(seed: seed)
            demo.expectations = DemoProxy.expectations
        } else {
            Console.line("demo     | direct: Alice and Bob talk without a proxy; RTO \(rto)")
        }
        do {
            try await demo.run { Console.line($0) }
        } catch {
            switch error {
            case let timeout as WaitTimeout:
                Console.error("error: the demo failed at step '\(timeout.what)': it did not happen within \(timeout.timeout)")
            case let failure as DemoFailure:
                Console.error("error: the demo failed at step '\(failure.step)': \(failure.reason)")
            default:
                Console.error("error: the demo did not complete: \(error)")
            }
            throw ExitCode(1)
        }
    }
}
