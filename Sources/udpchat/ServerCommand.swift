// `udpchat server`: Run the reference chat server (UDP, default 127.0.0.1:7070).
import ArgumentParser
import Logging
import UDPChatCore
import UDPChatDialect
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the reference chat server (UDP, default 127.0.0.1:7070).",
        discussion: "Prints the table of active clients (id, host, port) after every join, port change or leave, and only then."
    )

    @Option(help: "Address to listen on: an IPv4 or IPv6 literal, or localhost (127.0.0.1).")
    var host = "127.0.0.1"

    @Option(help: "UDP port to listen on, 0 to 65535 (0: a free port chosen by the system, printed at start).")
    var port = Int(ProtocolDefaults.port)

    @Option(help: ArgumentHelp("Retransmission timeout; 10s, 500ms or plain seconds, greater than zero. The server never re-sends (clients do): accepted so every role takes the same flags.", valueName: "duration"))
    var rto = DurationArgument(ProtocolDefaults.rto)

    @Option(help: ArgumentHelp("Forget a registration that has not been refreshed (REGISTER again) for this long; 60s, 500ms or plain seconds, greater than zero (default: never).", valueName: "duration"))
    var expireAfter: DurationArgument?

    @Flag(inversion: .prefixedNo, help: "Print the table of active clients (id, host, port) after every change.")
    var table = true

    @Option(help: "The wire format to speak: a dialect file (docs/DIALECTS.md) or a built-in name; the contract's own when not given.")
    var dialect: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        guard rto.duration > .zero else { throw ValidationError("--rto must be greater than zero, got \(rto)") }
        if let expireAfter, expireAfter.duration <= .zero {
            throw ValidationError("--expire-after must be greater than zero, got \(expireAfter) (leave it out to never expire)")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let printTable: (@Sendable ([TableRow]) -> Void)? = table ? { @Sendable rows in Console.line(TableFormat.render(rows)) } : nil
        var options = ChatServerOptions(
            host: host, port: port, registry: ServerConfig(expireAfter: expireAfter?.duration), onTableChange: printTable)
        options.dialect = try loadDialect(dialect)
        let server: ChatServer
        do {
            server = try await ChatServer.start(options, logger: Logger(label: "udpchat.server"))
        } catch let error as UDPChatError {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
        // SIGINT and SIGTERM stop it cleanly, in the foreground or as a background job (whose SIGINT a
        // shell ignores by default): the listening line goes out once they are handled.
        let listening = "udpchat server listening on UDP \(server.localAddress)\(options.dialect.isDefault ? "" : " (dialect \(options.dialect.name))")"
        let signal = try await GracefulRun.waitForSignal(ready: { Console.line(listening) })
        try? await server.close()
        Console.line("udpchat server: stopped by \(signal)")
    }
}
