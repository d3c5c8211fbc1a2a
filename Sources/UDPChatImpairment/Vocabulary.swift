import UDPChatSupport

/// A problem in an impairment setting, rule or timeline entry. `token` is the offending text.
public struct ImpairmentParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var token: String
    public var reason: String

    public init(token: String, reason: String) {
        self.token = token
        self.reason = reason
    }

    public var description: String { "'\(token)': \(reason)" }
}

/// The netem-style vocabulary: `10%`, `50ms`, `1mbit`, `5s+3s`.
public enum Vocabulary {
    /// `10%`, `0.5%` → 0.1, 0.005. The `%` is required so `10` is never misread.
    public static func percent(_ text: String) throws(ImpairmentParseError) -> Double {
        guard text.hasSuffix("%"), let value = Double(text.dropLast()), value.isFinite, value >= 0, value <= 100,
              text.dropLast().allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") })
        else { throw ImpairmentParseError(token: text, reason: "not a percentage (use e.g. 10% or 0.5%, 0 … 100)") }
        return value / 100
    }

    /// `50ms`, `1s`, `250us`, `0.5` (seconds).
    public static func duration(_ text: String) throws(ImpairmentParseError) -> Duration {
        do { return try DurationParser.parse(text) } catch {
            throw ImpairmentParseError(token: text, reason: "not a duration (use e.g. 50ms, 1s, 250us)")
        }
    }

    /// `1mbit`, `500kbit`, `2gbit`, `9600bit`, `100kbps` (bytes/s), `1mbps` → bits per second.
    public static func rate(_ text: String) throws(ImpairmentParseError) -> Double {
        let units: [(String, Double)] = [
            ("kbit", 1e3), ("mbit", 1e6), ("gbit", 1e9), ("bit", 1),
            ("kbps", 8e3), ("mbps", 8e6), ("gbps", 8e9), ("bps", 8),
        ]
        let lower = text.lowercased()
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            let number = lower.dropLast(suffix.count)
            if !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
               let value = Double(number), value > 0, value.isFinite {
                return value * factor
            }
            break
        }
        throw ImpairmentParseError(token: text, reason: "not a rate (use e.g. 1mbit, 500kbit, 100kbps = bytes/s)")
    }

    /// A positive integer with an inclusive upper bound.
    public static func count(_ text: String, max: Int = Int(Int32.max), what: String = "count") throws(ImpairmentParseError) -> Int {
        guard let value = Int(text), value >= 1, value <= max, text.allSatisfy({ $0.isASCII && $0.isNumber })
        else { throw ImpairmentParseError(token: text, reason: "not a valid \(what) (an integer 1 … \(max))") }
        return value
    }

    /// `5s+3s`: a window starting 5 s after the origin and lasting 3 s.
    public static func window(_ text: String) throws(ImpairmentParseError) -> TimeWindow {
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw ImpairmentParseError(token: text, reason: "not a window (use START+LENGTH, e.g. 5s+3s)")
        }
        let start = try duration(String(parts[0]))
        let length = try duration(String(parts[1]))
        return TimeWindow(start: start, length: length)
    }

    /// One word of a value: positional (`10%`) or keyed (`corr=25%`, or netem's `gap 5`).
    public struct Token: Hashable, Sendable {
        public var key: String?
        public var value: String
        /// As written, for error messages.
        public var text: String
    }

    /// Splits a value on commas and spaces into tokens. `k=v` is keyed; a bare word among
    /// `keywords` takes the next token as its value, as netem writes `gap 5` or `packets 4`.
    public static func tokens(_ text: String, keywords: Set<String> = []) throws(ImpairmentParseError) -> [Token] {
        let words = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        var out: [Token] = []
        var i = 0
        while i < words.count {
            let word = words[i]
            if word.contains("=") {
                let (k, v) = try keyValue(Substring(word))
                out.append(Token(key: k, value: v, text: word))
            } else if keywords.contains(word.lowercased()) {
                guard i + 1 < words.count else { throw ImpairmentParseError(token: word, reason: "'\(word)' needs a value after it") }
                out.append(Token(key: word.lowercased(), value: words[i + 1], text: word + " " + words[i + 1]))
                i += 1
            } else {
                out.append(Token(key: nil, value: word, text: word))
            }
            i += 1
        }
        return out
    }

    /// A probability with an optional correlation: `5%`, `5%,corr=25%` or netem's `5% 25%`.
    /// `extraKeys` lists further keys the caller handles (returned as text).
    public static func chance(_ text: String, what: String, extraKeys: [String])
        throws(ImpairmentParseError) -> (probability: Double, correlation: Double, extra: [String: String]) {
        var probability: Double?
        var correlation = 0.0
        var extra: [String: String] = [:]
        var positional = 0
        for token in try tokens(text, keywords: Set(["corr", "correlation"] + extraKeys)) {
            switch token.key {
            case nil:
                if positional == 0 { probability = try percent(token.value) }
                else if positional == 1 { correlation = try percent(token.value) }
                else { throw ImpairmentParseError(token: token.text, reason: "\(what) takes a probability and a correlation") }
                positional += 1
            case "corr", "correlation": correlation = try percent(token.value)
            case let key? where extraKeys.contains(key): extra[key] = token.value
            default:
                let known = (["corr"] + extraKeys).joined(separator: ", ")
                throw ImpairmentParseError(token: token.text, reason: "unknown \(what) parameter (\(known))")
            }
        }
        guard let probability else { throw ImpairmentParseError(token: text, reason: "\(what) needs a probability (e.g. 5%)") }
        return (probability, correlation, extra)
    }

    /// Overload for callers without extra keys.
    public static func chance(_ text: String, what: String) throws(ImpairmentParseError) -> (Double, Double) {
        let (p, c, _) = try chance(text, what: what, extraKeys: [])
        return (p, c)
    }

    /// netem's slot: `10ms`, `10ms 20ms packets 4 bytes 3000`, `10ms,20ms,packets=4`.
    public static func slot(_ text: String) throws(ImpairmentParseError) -> SlotSpec {
        var durations: [Duration] = []
        var packets: Int?
        var bytes: Int?
        for token in try tokens(text, keywords: ["max", "packets", "bytes"]) {
            switch token.key {
            case nil:
                guard durations.count < 2 else { throw ImpairmentParseError(token: token.text, reason: "slot takes MIN_DELAY [MAX_DELAY]") }
                durations.append(try duration(token.value))
            case "max": durations.append(try duration(token.value))
            case "packets": packets = try count(token.value, max: 1_000_000, what: "packets per slot")
            case "bytes": bytes = try count(token.value, max: 1 << 30, what: "bytes per slot")
            default: throw ImpairmentParseError(token: token.text, reason: "unknown slot parameter (packets, bytes)")
            }
        }
        guard let min = durations.first, min > .zero else {
            throw ImpairmentParseError(token: text, reason: "slot needs a positive MIN_DELAY (e.g. slot 10ms 20ms packets 4)")
        }
        let max = durations.count > 1 ? durations[1] : min
        guard max >= min else { throw ImpairmentParseError(token: text, reason: "slot MAX_DELAY must not be below MIN_DELAY") }
        return SlotSpec(min: min, max: max, packets: packets, bytes: bytes)
    }

    /// Splits `key=value`; the key is lower-cased.
    static func keyValue(_ text: Substring) throws(ImpairmentParseError) -> (String, String) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw ImpairmentParseError(token: String(text), reason: "expected key=value")
        }
        return (text[..<eq].lowercased(), String(text[text.index(after: eq)...]))
    }
}

/// `[start, start + length)` relative to the engine's origin.
public struct TimeWindow: Hashable, Sendable, CustomStringConvertible {
    public var start: Duration
    public var length: Duration
    public init(start: Duration, length: Duration) {
        self.start = start
        self.length = length
    }
    public func contains(_ offset: Duration) -> Bool { offset >= start && offset < start + length }
    public var description: String { "\(start.compactDescription)+\(length.compactDescription)" }
}
