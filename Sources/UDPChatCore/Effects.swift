import UDPChatSupport
import UDPChatWire

/// The timers a chat client may have armed. Arming a key that is already armed replaces its deadline.
public enum ClientTimer: Hashable, Sendable, CustomStringConvertible {
    case register
    case lookup
    case connect
    case message(SeqNo)
    case terminate
    case leave

    public var description: String {
        switch self {
        case .register: "register"
        case .lookup: "lookup"
        case .connect: "connect"
        case .message(let seq): "message(\(seq))"
        case .terminate: "terminate"
        case .leave: "leave"
        }
    }
}

/// Why a client is done and its socket may close.
public enum ClientExit: Hashable, Sendable {
    /// LEFT arrived: the normal end.
    case left
    /// The server refused the registration (ID_IN_USE / ADDRESS_IN_USE) or the leave (NOT_OWNER).
    case refused(ErrorCode)
    /// The user forced quit while LEAVE was still unanswered.
    case forced
    /// The server did not answer within the give-up limit (`ClientConfig.giveUpAfter`).
    case gaveUp

    public var isSuccess: Bool { self == .left }
}

/// What a chat client asks its driver to do. The driver runs effects in order.
public enum ClientEffect: Hashable, Sendable {
    /// Send one datagram.
    case send(Message, to: Endpoint)
    /// Arm (or re-arm) a timer; when it expires, call `timerFired(_:now:)` with the same key.
    case armTimer(ClientTimer, at: Instant)
    /// Cancel a timer if armed.
    case cancelTimer(ClientTimer)
    /// Show something to the user.
    case display(ClientEvent)
    /// The client is done: close the socket and stop. Nothing follows this effect.
    case close(ClientExit)
}

/// The timers a server may have armed.
public enum ServerTimer: Hashable, Sendable {
    /// Sweep registrations that were not refreshed within `expireAfter`.
    case expiry
}

/// What the server registry asks its driver to do.
public enum ServerEffect: Hashable, Sendable {
    case send(Message, to: Endpoint)
    /// The table of active clients changed: print `ServerRegistry.table`.
    case tableChanged
    case armTimer(ServerTimer, at: Instant)
}
