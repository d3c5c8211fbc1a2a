import UDPChatImpairment
import UDPChatSupport

func config(_ flags: [(String, String)], rules: [String] = []) throws -> ImpairmentConfig {
    var c = ImpairmentConfig()
    for (key, value) in flags { try c.apply(key: key, directionalValue: value) }
    c.rules = try rules.map { try Rule.parse($0) }
    return c
}

func ms(_ n: Int64) -> Instant { Instant(nanoseconds: n * 1_000_000) }

/// Sends `count` datagrams up, one per millisecond; returns all decisions.
func run(_ engine: inout ImpairmentEngine, count: Int, direction: Direction = .up, bytes: [UInt8] = [1, 2, 3, 4]) -> [Decision] {
    var out: [Decision] = []
    for i in 0..<count {
        engine.process(Datagram(bytes: bytes, direction: direction, flow: 1), now: ms(Int64(i)), into: &out)
    }
    return out
}

extension Decision {
    var delivery: Delivery? { if case .deliver(let d) = self { d } else { nil } }
    var dropReason: DropReason? { if case .drop(let d) = self { d.reason } else { nil } }
}

/// True when `observed` lies within 5 standard deviations of a binomial(n, p) mean.
func withinBinomial(_ observed: Int, n: Int, p: Double) -> Bool {
    let mean = Double(n) * p
    let sd = (Double(n) * p * (1 - p)).squareRoot()
    return abs(Double(observed) - mean) <= 5 * sd + 1
}
