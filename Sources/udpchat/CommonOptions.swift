import ArgumentParser
import Logging
import UDPChatSupport

/// `--log-level`, shared by every subcommand that logs.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .notice

    /// Sets up swift-log to write to standard error at the chosen level.
    func bootstrap() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// A duration on the command line: `10s`, `500ms`, `250us`, `2m`, or plain seconds (`0.5`).
struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    init?(argument: String) {
        guard let value = try? DurationParser.parse(argument) else { return nil }
        duration = value
    }

    var description: String { duration.compactDescription }
    var defaultValueDescription: String { description }
}

/// A `HOST:PORT` on the command line (`[::1]:7070` for IPv6; `localhost` means 127.0.0.1).
struct EndpointArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var endpoint: Endpoint

    init(_ endpoint: Endpoint) { self.endpoint = endpoint }

    init?(argument: String) {
        guard let value = Endpoint(parsing: argument) else { return nil }
        endpoint = value
    }

    var description: String { endpoint.description }
    var defaultValueDescription: String { description }
}
