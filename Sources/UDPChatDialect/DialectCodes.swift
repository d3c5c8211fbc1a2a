// The error codes of UDPChatDialect: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).
import UDPChatSupport

public enum DialectCodes: String, UDPChatErrorCodes {
    /// Inference found nothing to write, or its values file is wrong.
    case infer = "dialect.infer"
}

extension UDPChatError.Code {
    public static let infer = Self(DialectCodes.infer)
}

extension UDPChatError {
    public static func infer(_ reason: String) -> Self { Self(.infer, reason) }
}
