/// Tiny deterministic JSON text helpers (fixed formatting, no Foundation), shared by the
/// proxy's trace, the simulator's trace and the scenario reports so they stay byte-identical.
public enum JSON {
    /// Seconds with microsecond precision: `12.000500`.
    public static func seconds(_ instant: Instant) -> String {
        let ns = instant.nanoseconds
        let sign = ns < 0 ? "-" : ""
        let magnitude = ns.magnitude
        let micros = (magnitude / 1000) % 1_000_000
        var fraction = String(micros)
        while fraction.count < 6 { fraction = "0" + fraction }
        return "\(sign)\(magnitude / 1_000_000_000).\(fraction)"
    }

    /// A JSON string literal with the required escapes.
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
