// The error codes of UDPChatGrader: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).
import UDPChatSupport

public enum GraderCodes: String, UDPChatErrorCodes {
    /// A report, shard or rubric that cannot be read, merged or written.
    case report = "report.invalid"
}

extension UDPChatError.Code {
    public static let report = Self(GraderCodes.report)
}

extension UDPChatError {
    public static func report(_ reason: String) -> Self { Self(.report, reason) }
}
