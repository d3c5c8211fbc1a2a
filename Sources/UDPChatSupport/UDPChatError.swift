/// The one error shape of udpchat: a stable machine-readable code and a one-line reason for people.
///
/// Modeled on swift-certificates' `X509/Error.swift`: a struct (not an enum, so modules can add
/// codes without changing this file), built by static factory methods that each module declares
/// in an extension next to the code that throws, and compared by code alone.
///
/// ```swift
/// extension UDPChatError.Code { public static let cannotListen = Self("proxy.cannot-listen") }
/// extension UDPChatError {
///     static func cannotListen(_ link: String, _ address: Endpoint, _ cause: String) -> Self {
///         Self(.cannotListen, "link \(link): cannot listen on \(address): \(cause)")
///     }
/// }
/// ```
public struct UDPChatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable identifier, `area.what` (`proxy.cannot-listen`, `grader.setup`), for programs and tests.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible, ExpressibleByStringLiteral {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }
    }

    public var code: Code
    /// One line, complete on its own: what failed and why, in the user's terms.
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    /// Errors compare by code: two `proxy.cannot-listen` errors are the same kind of failure.
    public static func == (lhs: UDPChatError, rhs: UDPChatError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension UDPChatError.Code {
    /// Bad input from the user (a flag, a file, a value): the command could not start.
    public static let usage: Self = "usage"
    /// A file could not be read or written.
    public static let file: Self = "file"
}

extension UDPChatError {
    public static func usage(_ reason: String) -> Self { Self(.usage, reason) }
    public static func file(_ path: String, _ what: String) -> Self { Self(.file, "\(path): \(what)") }
}
