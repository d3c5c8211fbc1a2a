// The error codes of UDPChatTransparent: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).
import UDPChatSupport

public enum TransparentCodes: String, UDPChatErrorCodes {
    case transparentNotPrivate = "transparent.not-private"
    case transparentSetup = "transparent.setup"
    case transparentUnsupported = "transparent.unsupported"
}
