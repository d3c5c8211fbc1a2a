/// Why reading, writing or capturing packets failed. `description` is one line naming the
/// problem (the file, interface or filter) so the CLI can print it as is.
public struct CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable classification for tests and exit handling.
    public enum Code: String, Hashable, Sendable {
        case cannotOpen = "cannot-open"
        case notACapture = "not-a-capture"
        case truncated
        case corrupt
        case unsupportedLinkType = "unsupported-link-type"
        case cannotWrite = "cannot-write"
        case noSuchInterface = "no-such-interface"
        case permissionDenied = "permission-denied"
        case badFilter = "bad-filter"
        case badAddress = "bad-address"
        case payloadTooLarge = "payload-too-large"
        case captureFailed = "capture-failed"
        case replayFailed = "replay-failed"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
