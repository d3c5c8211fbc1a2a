// The error codes of UDPChatScenario: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).
import UDPChatSupport

public enum ScenarioCodes: String, UDPChatErrorCodes {
    /// A sandboxed live run that could not run (its sandbox, its worker, its result).
    case worker = "scenario.worker"
}

extension UDPChatError.Code {
    public static let worker = Self(ScenarioCodes.worker)
}

extension UDPChatError {
    public static func worker(_ reason: String) -> Self { Self(.worker, reason) }
}
