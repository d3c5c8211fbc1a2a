/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of
/// 16-bit big-endian words. Used for the IPv4 header and the UDP checksum.
public struct InternetChecksum: Sendable {
    private var sum: UInt64 = 0
    private var odd: UInt8? = nil

    public init() {}

    /// Adds bytes to the running sum; calls may split the data at any byte.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        if let pending = odd, !bytes.isEmpty {
            sum &+= UInt64(pending) << 8 | UInt64(bytes[0])
            odd = nil
            index = 1
        }
        let count = bytes.count
        while index + 1 < count {
            sum &+= UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
            index += 2
        }
        if index < count { odd = bytes[index] }
    }

    public mutating func add(_ bytes: [UInt8]) { bytes.withUnsafeBytes { add($0) } }

    /// Adds one 16-bit word (only between even-length chunks).
    public mutating func add(word: UInt16) { sum &+= UInt64(word) }

    /// The folded, complemented 16-bit checksum.
    public var value: UInt16 {
        var total = sum
        if let pending = odd { total &+= UInt64(pending) << 8 }
        while total >> 16 != 0 { total = (total & 0xFFFF) &+ (total >> 16) }
        return ~UInt16(total)
    }

    /// The checksum of one buffer.
    public static func of(_ bytes: [UInt8]) -> UInt16 {
        var checksum = InternetChecksum()
        checksum.add(bytes)
        return checksum.value
    }
}
