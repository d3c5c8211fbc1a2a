// `udpchat client`: Run the reference chat client, driven by commands on standard input.
import ArgumentParser
import Foundation
import Logging
import UDPChatCore
import UDPChatDialect
import UDPChatRuntime
import UDPChatSupport
import UDPChatTerminal
import UDPChatWire

struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Run the reference chat client, driven by commands on standard input.",
        discussion: """
            Reads lines from standard input: /connect N, /accept, /reject, /cancel, /end, /quit, /help; \
            any other line is a chat message. End of input means /quit. Prints one line per event.
            """
    )

    @Option(help: "This client's id, 1 to 2147483647 (required; the server refuses an id another address holds).")
    var id: UInt32

    @Option(help: ArgumentHelp("The server's UDP address, HOST:PORT ([::1]:7070 for IPv6; localhost means 127.0.0.1).", valueName: "host:port"))
    var server = EndpointArgument(Endpoint(host: "127.0.0.1", port: ProtocolDefaults.port))

    @Option(help: "UDP port to bind, 0 to 65535 (0: a free port chosen by the system).")
    var port = 0

    @Option(help: ArgumentHelp("Port to put in REGISTER, 1 to 65535: where peers reach this client, e.g. a relay's port (default: the bound port).", valueName: "port"))
    var advertisePort: Int?

    @Option(help: ArgumentHelp("Retransmission timeout: wait this long for an answer before re-sending; 10s, 500ms or plain seconds, greater than zero.", valueName: "duration"))
    var rto = DurationArgument(ProtocolDefaults.rto)

    @Option(help: ArgumentHelp("Once registered, re-send REGISTER this often as a refresh, so NATs, proxies and servers run with --expire-after keep the registration; 10s, 500ms or plain seconds, or off (or 0) to never refresh.", valueName: "duration"))
    var refreshEvery = RefreshArgument(ProtocolDefaults.refreshEvery)

    @Option(help: ArgumentHelp("Give up after N unanswered re-sends of one request (off by default: re-send for ever). A silent server ends the client (exit 1); a silent peer ends the connection request or the connection.", valueName: "n"))
    var giveUp: Int?

    @Option(help: "The wire format to speak: a dialect file (docs/DIALECTS.md) or a built-in name; the contract's own when not given.")
    var dialect: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard id >= 1, id <= WireLimits.maxID else { throw ValidationError("--id must be from 1 to \(WireLimits.maxID), got \(id)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        if let advertisePort, !(1...65535).contains(advertisePort) {
            throw ValidationError("--advertise-port must be from 1 to 65535, got \(advertisePort)")
        }
        if let giveUp, giveUp < 0 { throw ValidationError("--give-up must be 0 or more re-sends, got \(giveUp)") }
        guard rto.duration > .zero else {
            throw ValidationError("--rto must be greater than zero, got \(rto) (it is how long to wait before re-sending)")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let input = ClientInput()
        // A terminal gets the interactive console; a pipe gets plain lines, exactly as before.
        let terminal = TerminalSession.isInteractive ? TerminalSession(id: id) { input.handle($0) } : nil
        let show: @Sendable (String) -> Void = { line in
            if let terminal { terminal.print(line) } else { Console.line(line) }
        }
        let (id, advertisePort) = (self.id, self.advertisePort.map { UInt16($0) })
        var options = ChatClientOptions(id: id, server: server.endpoint, port: port, rto: rto.duration) { bound in
            // Bound, not yet registered: say where this client is before any event line.
            show("client \(id) on UDP \(bound) (type /help for commands)")
            return advertisePort ?? bound.port
        }
        options.refreshEvery = refreshEvery.duration
        options.dialect = try loadDialect(dialect)
        options.reportsDelivery = terminal != nil
        options.notAnsweringAfter = ClientInput.notAnsweringAfter
        options.giveUpAfter = giveUp
        terminal?.start()
        // Ctrl-C as a signal (a pipe, or `kill -INT`) leaves like /quit; a second one forces the exit.
        var onTerminal: (@Sendable () -> Void)?
        if let terminal { onTerminal = { terminal.interrupt() } }
        input.catchInterrupts(onTerminal: onTerminal)
        let client: ChatClientRuntime
        do {
            client = try await ChatClientRuntime.start(options, logger: Logger(label: "udpchat.client")) { event in
                if let terminal { terminal.show(event) } else { Console.line(event.description) }
            }
        } catch let error as UDPChatError {
            terminal?.finish()
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
        input.attach(client)
        if terminal == nil { StandardInputReader.start(into: input) }
        let exit = try await client.exit()
        terminal?.finish()
        switch exit {
        case .left: return
        case .refused, .gaveUp: throw ExitCode(1)
        case .forced: throw ExitCode(2)
        }
    }
}

/// Reads standard input on its own thread (never on the event loop) and submits each line.
enum StandardInputReader {
    static func start(into input: ClientInput) {
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                guard let parsed = UserCommand.parse(line: line) else { continue }
                switch parsed {
                case .success(let command): input.handle(.command(command))
                case .failure(let usage): Console.line(usage.message)
                }
            }
            input.handle(.endOfInput)
        }
        thread.name = "udpchat-stdin"
        thread.start()
    }
}

/// `--refresh-every`: a duration, or `off` / `0` for never.
struct RefreshArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var duration: Duration?

    init(_ duration: Duration?) { self.duration = duration }

    init?(argument: String) {
        if argument == "off" {
            duration = nil
            return
        }
        guard let value = try? DurationParser.parse(argument), value >= .zero else { return nil }
        duration = value == .zero ? nil : value
    }

    var description: String { duration?.compactDescription ?? "off" }
    var defaultValueDescription: String { description }
}
