// The error codes of UDPChatProxy: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).
import UDPChatSupport

public enum ProxyCodes: String, UDPChatErrorCodes {
    case proxyConfig = "proxy.config"
    case proxySetup = "proxy.setup"
    case proxyTrace = "proxy.trace"
}
