// The error codes of UDPChatBench: a closed set, each rendered as its `area.what` raw value
// (`UDPChatError.Code`s are made only from such enums, so a misspelt code does not compile).
import UDPChatSupport

public enum BenchCodes: String, UDPChatErrorCodes {
    case bench = "bench.failed"
}
