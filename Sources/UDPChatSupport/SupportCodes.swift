// The error codes of UDPChatSupport: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).

public enum SupportCodes: String, UDPChatErrorCodes {
    case file = "file"
    case usage = "usage"
}
