import UDPChatCore
import UDPChatSupport
import UDPChatWire

/// A duration in a script or scenario file: absolute (`15s`) or a multiple of the RTO (`1.5rto`),
/// so a scenario can be replayed with a short RTO in live tests and keep its shape.
public enum ScenarioDuration: Hashable, Sendable, CustomStringConvertible {
    case absolute(Duration)
    case rto(Double)

    public func resolved(rto: Duration) -> Duration {
        switch self {
        case .absolute(let duration): duration
        case .rto(let factor): .nanoseconds(Int64((Double(rto.nanoseconds) * factor).rounded()))
        }
    }

    public var description: String {
        switch self {
        case .absolute(let duration): duration.compactDescription
        case .rto(let factor): "\(factor)rto"
        }
    }
}

/// What a party's user types, with peers named by party (resolved to ids when it runs).
public enum ScriptCommand: Hashable, Sendable, CustomStringConvertible {
    /// Connect to a party by name (or a numeric id that no party has).
    case connect(String)
    case accept, reject, end, quit, cancel
    case send(String)

    /// The reference client's command; `ids` maps party names to client ids.
    public func userCommand(ids: [String: ClientID]) -> UserCommand {
        switch self {
        case .connect(let target): .connect(ids[target] ?? ClientID(target) ?? 0)
        case .accept: .accept
        case .reject: .reject
        case .end: .end
        case .quit: .quit
        case .cancel: .cancel
        case .send(let text): .say(text)
        }
    }

    /// The manifest input this command needs (`connect`, `terminate`, …).
    public var manifestAction: String {
        switch self {
        case .connect: "connect"
        case .accept: "accept"
        case .reject: "reject"
        case .end: "terminate"
        case .quit: "quit"
        case .cancel: "cancel"
        case .send: "send"
        }
    }

    public var description: String {
        switch self {
        case .connect(let target): "connect \(target)"
        case .accept: "accept"
        case .reject: "reject"
        case .end: "end"
        case .quit: "quit"
        case .cancel: "cancel"
        case .send(let text): "send '\(text)'"
        }
    }
}

/// One step of a party's script: the one step model of scenario files, the simulator, the live
/// runner and `udpchat demo`.
public enum ScriptStep: Hashable, Sendable, CustomStringConvertible {
    /// A user command typed at the client's console (strangers skip commands).
    case command(ScriptCommand)
    /// Wait until the party shows a line containing this text (searching from just after the
    /// line the previous `waitFor` matched, so a line shown early is not missed).
    case waitFor(String)
    /// Wait until another party has shown a line containing this text (any line so far).
    case waitForParty(party: String, text: String)
    /// Do nothing for this long.
    case sleep(ScenarioDuration)
    /// Send a raw datagram to a party's reachable address. Placeholders: `{conn}` = the latest
    /// connection token seen on the wire, `{NAME}` = that party's id.
    case raw(to: String, text: String)

    public var description: String {
        switch self {
        case .command(let command): "\(command)"
        case .waitFor(let text): "wait-for '\(text)'"
        case .waitForParty(let party, let text): "wait-for \(party): '\(text)'"
        case .sleep(let duration): "sleep \(duration)"
        case .raw(let to, let text): "raw '\(text)' to \(to)"
        }
    }
}
