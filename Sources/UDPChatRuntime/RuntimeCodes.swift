// The error codes of UDPChatRuntime: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).
import UDPChatSupport

public enum RuntimeCodes: String, UDPChatErrorCodes {
    case cannotBind = "runtime.cannot-bind"
    case socketClosed = "runtime.socket-closed"
    case unresolvable = "runtime.unresolvable"
}
