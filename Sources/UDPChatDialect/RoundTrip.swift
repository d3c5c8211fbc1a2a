// The property the dialect fuzzer (Fuzz/DialectFuzz) and the tests check on any bytes: reading
// never crashes, and what reads writes back to bytes that read as the same thing.
import UDPChatWire

extension Dialect {
    /// Nil when `bytes` are malformed in this dialect or round-trip (read → write → read gives the
    /// same message, tag and receiver); else what went wrong.
    public func roundTripProblem(_ bytes: UnsafeRawBufferPointer, context: DialectContext) -> String? {
        guard let reading = try? read(bytes, context: context) else { return nil }
        guard let wire = serialize(reading, context: context) else { return "\(name): read \(reading.message) but cannot write it" }
        let again: DialectReading
        do {
            again = try read(wire, context: context)
        } catch {
            return "\(name): \(reading.message) written as \(String(decoding: wire, as: UTF8.self).debugDescription) does not read: \(error)"
        }
        guard again.message == reading.message, again.tag == reading.tag, again.to == reading.to else {
            return "\(name): round trip changed \(reading.message) into \(again.message) (via \(String(decoding: wire, as: UTF8.self).debugDescription))"
        }
        return nil
    }

    public func roundTripProblem(_ bytes: [UInt8], context: DialectContext) -> String? {
        bytes.withUnsafeBytes { roundTripProblem($0, context: context) }
    }
}
