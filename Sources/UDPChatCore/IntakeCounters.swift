import UDPChatWire

/// What a state machine received: every datagram, and the malformed ones by kind. Parsing goes
/// through `admit`, so the server registry and the chat client count malformed input the same
/// way, and a driver can log why the last one was refused without parsing it again.
public struct IntakeCounters: Hashable, Sendable {
    public var received = 0
    public var malformed = 0
    public var malformedByKind: [String: Int] = [:]
    /// Why the most recent malformed datagram was refused (for the driver's debug log).
    public var lastMalformed: WireError?

    public init() {}

    /// Counts one datagram and returns its message, or nil when it is malformed (counted by kind;
    /// nothing else changes).
    public mutating func admit(_ datagram: UnsafeRawBufferPointer) -> Message? {
        received += 1
        do throws(WireError) {
            return try Message.parse(datagram)
        } catch {
            malformed += 1
            malformedByKind[error.kind, default: 0] += 1
            lastMalformed = error
            return nil
        }
    }

    /// The same, read by another wire format (a dialect's reader, docs/DIALECTS.md).
    public mutating func admit(_ datagram: UnsafeRawBufferPointer, reader: (UnsafeRawBufferPointer) throws(WireError) -> Message) -> Message? {
        received += 1
        do throws(WireError) {
            return try reader(datagram)
        } catch {
            malformed += 1
            malformedByKind[error.kind, default: 0] += 1
            lastMalformed = error
            return nil
        }
    }
}
