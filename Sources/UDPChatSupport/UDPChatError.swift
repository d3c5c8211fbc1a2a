/// The one error shape of udpchat: a stable machine-readable code and a one-line reason for people.
///
/// Modeled on swift-certificates' `X509/Error.swift`: a struct, built by static factory methods that
/// each module declares in an extension next to the code that throws, and compared by code alone.
/// Each module's codes are a closed enum (`UDPChatErrorCodes`); a `Code` is made only from one, so a
/// misspelt code does not compile.
///
/// ```swift
/// public enum ProxyCodes: String, UDPChatErrorCodes { case cannotListen = "proxy.cannot-listen" }
/// extension UDPChatError.Code { public static let cannotListen = Self(ProxyCodes.cannotListen) }
/// extension UDPChatError {
///     static func cannotListen(_ link: String, _ address: Endpoint, _ cause: String) -> Self {
///         Self(.cannotListen, "link \(link): cannot listen on \(address): \(cause)")
///     }
/// }
/// ```
public struct UDPChatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable identifier, `area.what` (`proxy.setup`, `capture.truncated`), for programs and tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init<Codes: UDPChatErrorCodes>(_ code: Codes) { rawValue = code.rawValue }
        public var description: String { rawValue }
    }

    public var code: Code
    /// One line, complete on its own: what failed and why, in the user's terms.
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public init<Codes: UDPChatErrorCodes>(_ code: Codes, _ reason: String) {
        self.init(Code(code), reason)
    }

    public var description: String { reason }

    /// Errors compare by code: two `proxy.cannot-listen` errors are the same kind of failure.
    public static func == (lhs: UDPChatError, rhs: UDPChatError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// One module's error codes: a closed enum whose raw values are `area.what`.
public protocol UDPChatErrorCodes: RawRepresentable, Sendable where RawValue == String {}

extension UDPChatError.Code {
    /// Bad input from the user (a flag, a file, a value): the command could not start.
    public static let usage = Self(SupportCodes.usage)
    /// A file could not be read or written.
    public static let file = Self(SupportCodes.file)
}

extension UDPChatError {
    public static func usage(_ reason: String) -> Self { Self(.usage, reason) }
    public static func file(_ path: String, _ what: String) -> Self { Self(.file, "\(path): \(what)") }
}
