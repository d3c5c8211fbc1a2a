import ArgumentParser
import Logging
import UDPChatImpairment
import UDPChatRuntime
import UDPChatSupport

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a server and two clients on loopback and play a short conversation through a lossy proxy.",
        discussion: """
            Alice looks up an inactive id, connects to Bob, Bob accepts, they exchange messages both ways, \
            Alice ends the connection and both leave. Every party's console is shown, prefixed with its name.

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
        _ = try impairments()
    }

    /// `--loss` and `--duplicate` as the proxy's impairments.
    func impairments() throws -> ImpairmentConfig {
        var config = ImpairmentConfig()
        do {
            try config.apply(key: "loss", directionalValue: loss)
        } catch { throw ValidationError("--loss \(loss): \(error)") }
        do {
            try config.apply(key: "duplicate", directionalValue: duplicate)
        } catch { throw ValidationError("--duplicate \(duplicate): \(error)") }
        return config
    }

    func run() async throws {
        logging.bootstrap()
        var demo = DemoConversation()
        demo.rto = rto.duration
        demo.stepTimeout = timeout.duration
        let output: @Sendable (String) -> Void = { Console.line($0) }
        var proxy: DemoProxy?
        if !direct {
            let seed = self.seed ?? UInt64.random(in: 0...999_999)
            Console.line("demo     | seed \(seed) (run again with --seed \(seed) for the same proxy decisions); RTO \(rto)")
            let link = try DemoProxy(seed: seed, impairments: try impairments(), names: (demo.aliceName, demo.bobName), output: output)
            demo.bobRoute = { bound in try await link.route(bobBound: bound) }
            demo.expectations = DemoProxy.expectations
            demo.afterConversation = { try await link.finish() }
            proxy = link
        } else {
            Console.line("demo     | direct: Alice and Bob talk without a proxy; RTO \(rto)")
        }
        do {
            try await demo.run(logger: Logger(label: "udpchat.demo"), output: output)
        } catch {
            await proxy?.abort()
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
