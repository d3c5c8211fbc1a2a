/// A small, fast, seedable generator (SplitMix64). Every random decision in udpchat that must be
/// reproducible (connection tokens in the simulator, the proxy's impairment decisions) draws
/// from one of these, seeded explicitly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    /// A generator seeded from the system's entropy source.
    public static func random() -> SplitMix64 {
        var system = SystemRandomNumberGenerator()
        return SplitMix64(seed: system.next())
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly distributed double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// An independent stream derived from this seed and a label (e.g. a rule index and a direction),
    /// so adding one consumer never shifts another consumer's decisions.
    public static func stream(seed: UInt64, label: String) -> SplitMix64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        var mixer = SplitMix64(seed: seed ^ hash)
        return SplitMix64(seed: mixer.next())
    }
}
