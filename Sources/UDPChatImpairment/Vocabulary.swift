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
