// The error codes of UDPChatCapture: why reading, writing or capturing packets failed. A capture
// error is a `UDPChatError` whose reason is one line naming the file, interface or filter, so the
// CLI prints it as is.
import UDPChatSupport

public enum CaptureCodes: String, UDPChatErrorCodes {
    case cannotOpen = "capture.cannot-open"
    case notACapture = "capture.not-a-capture"
    case truncated = "capture.truncated"
    case corrupt = "capture.corrupt"
    case unsupportedLinkType = "capture.unsupported-link-type"
    case cannotWrite = "capture.cannot-write"
    case noSuchInterface = "capture.no-such-interface"
    case permissionDenied = "capture.permission-denied"
    case badFilter = "capture.bad-filter"
    case badAddress = "capture.bad-address"
    case payloadTooLarge = "capture.payload-too-large"
    case captureFailed = "capture.capture-failed"
    case replayFailed = "capture.replay-failed"
}

extension UDPChatError.Code {
    public static let cannotOpen = Self(CaptureCodes.cannotOpen)
    public static let notACapture = Self(CaptureCodes.notACapture)
    public static let truncated = Self(CaptureCodes.truncated)
    public static let corrupt = Self(CaptureCodes.corrupt)
    public static let unsupportedLinkType = Self(CaptureCodes.unsupportedLinkType)
    public static let cannotWrite = Self(CaptureCodes.cannotWrite)
    public static let noSuchInterface = Self(CaptureCodes.noSuchInterface)
    public static let permissionDenied = Self(CaptureCodes.permissionDenied)
    public static let badFilter = Self(CaptureCodes.badFilter)
    public static let badAddress = Self(CaptureCodes.badAddress)
    public static let payloadTooLarge = Self(CaptureCodes.payloadTooLarge)
    public static let captureFailed = Self(CaptureCodes.captureFailed)
    public static let replayFailed = Self(CaptureCodes.replayFailed)
}
