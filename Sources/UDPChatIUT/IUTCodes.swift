// The error codes of UDPChatIUT: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).
import UDPChatSupport

public enum IUTCodes: String, UDPChatErrorCodes {
    case cannotStart = "iut.cannot-start"
    case invalidManifest = "manifest.invalid"
    case invalidPolicy = "policy.invalid"
    case mixedDialects = "manifest.mixed-dialects"
    case noSandbox = "sandbox.unavailable"
    case sandboxSetup = "sandbox.setup"
}
