// The garbage W-GARBAGE sends to a whole submission's server before its session's clients start:
// random bytes (seeded, so every run sends the same) and truncated or malformed messages in no wire
// format in particular, the scout client's own join datagrams cut short and with their numbers
// spoiled, and the malformed variants of the server's dialect when it names one.
import UDPChatDialect
import UDPChatSupport

enum WholeGarbage {
    /// The seed of the random datagrams.
    static let seed: UInt64 = 0x5EED_6A5B

    /// Each datagram with why it is garbage.
    static func datagrams(dialect: Dialect) -> [(bytes: [UInt8], why: String)] {
        var list: [(bytes: [UInt8], why: String)] = [
            ([], "empty"), (Array(" ".utf8), "one space"), (Array("\n".utf8), "a newline"), (Array("\r\n".utf8), "CR LF"),
            (Array(" \t ".utf8), "only whitespace"), ([0, 0, 0], "NUL bytes"), ([0xC3, 0x28, 0xFF, 0xFE], "not UTF-8"),
            ([UInt8](repeating: 0x41, count: 2000), "2000 bytes"), (Array("hello".utf8), "a word"),
            (Array("0".utf8), "a digit"), (Array("-1".utf8), "a negative number"), (Array("{".utf8), "half a JSON object"),
        ]
        var random = SplitMix64(seed: seed)
        for length in [1, 3, 8, 40, 300, 1199] {
            list.append(((0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }, "\(length) random bytes"))
        }
        for length in [5, 20] {
            let printable = (0..<length).map { _ in UInt8(0x21 + random.next() % 94) }
            list.append((printable, "\(length) random printable characters"))
        }
        // Messages cut short, in the contract's format and in the server's dialect when it has one.
        for word in ["REGISTER", "REGISTER 21", "LOOKUP", "LEAVE", "CONNECT 1", "MSG 1 21"] {
            list.append((Array(word.utf8), "'\(word)' cut short"))
        }
        if !dialect.isDefault, !dialect.templates.isEmpty {
            list += dialect.malformedVariants().map { ($0.bytes, "dialect \(dialect.name): \($0.why)") }
        }
        return list
    }

    /// Spoiled copies of datagrams a client really sent (`observed`): cut short at each space (with
    /// and without it), each run of digits made `x`, and the first half; none equal to an original.
    static func mutations(of observed: [[UInt8]]) -> [(bytes: [UInt8], why: String)] {
        var list: [(bytes: [UInt8], why: String)] = []
        func add(_ bytes: [UInt8], _ why: String) {
            if !observed.contains(bytes), !list.contains(where: { $0.bytes == bytes }) { list.append((bytes, why)) }
        }
        for payload in observed.prefix(4) {
            let shown = "'\(escapeDatagram(payload).prefix(40))'"
            for (index, byte) in payload.enumerated() where byte == 0x20 {
                add(Array(payload[..<index]), "\(shown) cut before a space")
                add(Array(payload[...index]), "\(shown) cut after a space")
            }
            var spoiled: [UInt8] = []
            for byte in payload where !(byte >= 0x30 && byte <= 0x39 && spoiled.last == 0x78) {
                spoiled.append(byte >= 0x30 && byte <= 0x39 ? 0x78 : byte)
            }
            add(spoiled, "\(shown) with its numbers as 'x'")
            if payload.count > 1 { add(Array(payload.prefix(payload.count / 2)), "\(shown) cut in half") }
        }
        return list
    }
}
