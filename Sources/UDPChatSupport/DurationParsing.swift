/// Parses the durations people type: `10s`, `500ms`, `250us`/`250µs` (micro sign or Greek mu), `2m`, or plain seconds (`0.5`).
public enum DurationParser {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let text: String
        public var description: String {
            "'\(text)' is not a duration (use e.g. 10s, 500ms, 250us, 2m or plain seconds like 0.5)"
        }
    }

    public static func parse(_ raw: String) throws(Failure) -> Duration {
        let text = raw.trimmingSpaces()
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value.isFinite, value >= 0
        else { throw Failure(text: raw) }
        let nanoseconds = (value * scale * 1e9).rounded()
        guard nanoseconds < 9.2e18 else { throw Failure(text: raw) }
        return .nanoseconds(Int64(nanoseconds))
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
