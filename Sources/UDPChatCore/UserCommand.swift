import UDPChatWire

/// What a user of the chat client can ask for.
public enum UserCommand: Hashable, Sendable {
    case connect(ClientID)
    case accept
    case reject
    case cancel
    /// Terminate the live connection (after own messages are acknowledged).
    case end
    /// Leave the server (ending the connection first). A second /quit while leaving forces quit.
    case quit
    case help
    /// A chat message.
    case say(String)

    /// Parses one console line. Lines starting with `/` are commands; anything else is a message.
    /// Returns a usage error for an unknown command or bad argument.
    public static func parse(line rawLine: String) -> Result<UserCommand, UsageError>? {
        var line = Substring(rawLine)
        if line.hasSuffix("\r") { line.removeLast() }
        if line.isEmpty { return nil }
        guard line.hasPrefix("/") else { return .success(.say(String(line))) }
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        let name = parts[0].lowercased()
        switch (name, parts.count) {
        case ("/connect", 2):
            // Digits only (`ClientID.init(_:)` alone would take "+5").
            guard parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = ClientID(parts[1]), id >= 1, id <= WireLimits.maxID else {
                return .failure(UsageError(message: "/connect needs a client id from 1 to \(WireLimits.maxID)"))
            }
            return .success(.connect(id))
        case ("/connect", _): return .failure(UsageError(message: "usage: /connect <id>"))
        case ("/accept", 1): return .success(.accept)
        case ("/reject", 1): return .success(.reject)
        case ("/cancel", 1): return .success(.cancel)
        case ("/end", 1): return .success(.end)
        case ("/quit", 1): return .success(.quit)
        case ("/help", 1): return .success(.help)
        default:
            return .failure(UsageError(message: "unknown command '\(line)'; /help lists the commands"))
        }
    }

    public static let helpText = """
        commands:
          /connect N   look up client N and ask it to connect
          /accept      accept the pending connection request
          /reject      reject the pending connection request
          /cancel      stop asking for a connection
          /end         terminate the connection (after your messages are acknowledged)
          /quit        leave the server and exit (a second /quit forces it)
          /help        this text
          anything else is sent as a chat message
        """
}

public struct UsageError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
