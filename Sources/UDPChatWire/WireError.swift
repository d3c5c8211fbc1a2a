/// Why a datagram is not a valid udpchat message. One case per way it can be malformed;
/// `description` is a one-line human explanation suitable for logs and decoder output.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Larger than 1200 bytes.
    case tooLong(size: Int)
    /// Zero bytes (after stripping one trailing newline).
    case empty
    /// Not valid UTF-8.
    case notUTF8
    /// First field is not one of the protocol's verbs (verbs are upper case).
    case unknownVerb(String)
    /// Wrong number of space-separated fields for the verb.
    case fieldCount(verb: Verb, expected: Int, got: Int)
    /// A numeric field that is not plain decimal: empty, a sign, a non-digit, or a leading zero.
    case notANumber(field: String, text: String)
    /// A numeric field that is decimal but zero or above its maximum.
    case numberOutOfRange(field: String, text: String)
    /// A forbidden byte: NUL, CR or LF inside the datagram (one trailing newline is allowed).
    case forbiddenCharacter(field: String, byte: UInt8)
    /// MSG text shorter than 1 or longer than 1000 bytes.
    case textLength(Int)
    /// PEER host that is neither an IPv4 dotted quad nor an IPv6 literal.
    case badHost(String)
    /// ERROR with a code outside ID_IN_USE, ADDRESS_IN_USE, NOT_OWNER, NOT_REGISTERED.
    case unknownErrorCode(String)
    /// A dialect's datagram that starts like the template of `verb` but does not fit it (a missing
    /// separator, a missing JSON key, a wrong literal); `detail` says where. Never thrown by the
    /// contract's own codec.
    case templateMismatch(verb: Verb, detail: String)
    /// A `format: json` dialect's datagram that is not one JSON object.
    case notJSON(String)

    /// A short stable name for counters and traces (`too-long`, `unknown-verb`, …).
    public var kind: String {
        switch self {
        case .tooLong: "too-long"
        case .empty: "empty"
        case .notUTF8: "not-utf8"
        case .unknownVerb: "unknown-verb"
        case .fieldCount: "field-count"
        case .notANumber: "not-a-number"
        case .numberOutOfRange: "number-out-of-range"
        case .forbiddenCharacter: "forbidden-character"
        case .textLength: "text-length"
        case .badHost: "bad-host"
        case .unknownErrorCode: "unknown-error-code"
        case .templateMismatch: "template-mismatch"
        case .notJSON: "not-json"
        }
    }

    public var description: String {
        switch self {
        case .tooLong(let size): "datagram of \(size) bytes is over the 1200-byte limit"
        case .empty: "empty datagram"
        case .notUTF8: "datagram is not valid UTF-8"
        case .unknownVerb(let verb): "unknown verb '\(verb.prefix(40))'"
        case .fieldCount(let verb, let expected, let got): "\(verb.rawValue) needs \(expected) fields, got \(got)"
        case .notANumber(let field, let text): "<\(field)> '\(text.prefix(40))' is not a plain decimal number"
        case .numberOutOfRange(let field, let text): "<\(field)> \(text.prefix(40)) is out of range"
        case .forbiddenCharacter(let field, let byte): "forbidden byte 0x\(String(byte, radix: 16)) in <\(field)>"
        case .textLength(let length): "text of \(length) bytes (must be 1 to 1000)"
        case .badHost(let host): "<host> '\(host.prefix(60))' is not an IP literal"
        case .unknownErrorCode(let code): "unknown error code '\(code.prefix(40))'"
        case .templateMismatch(let verb, let detail): "does not fit the \(verb.rawValue) template: \(detail.prefix(80))"
        case .notJSON(let why): "not a JSON object: \(why.prefix(80))"
        }
    }
}
