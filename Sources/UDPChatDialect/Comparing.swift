// How a dialect tells messages and datagrams apart, and shows a message to people: the questions
// the grader, the decoder and the replayer ask of every dialect, the contract's format included
// (it answers through the hand-written codec, whose datagrams are canonical: one per message).
import UDPChatWire

extension Dialect {
    /// Whether two messages are the same as far as this dialect can tell: the contract's format
    /// compares every field; any other compares what it writes (fields it leaves out, like `{conn}`
    /// or REGISTERED's `{port}`, cannot differ).
    public func writesAlike(_ a: Message, _ b: Message) -> Bool {
        if isContract { return a == b }
        guard a.verb == b.verb, let left = serialize(a), let right = serialize(b) else { return false }
        return left == right
    }

    /// Whether two datagrams are the same: identical bytes, or (in a dialect whose datagrams are
    /// not canonical) two that read as the same message.
    public func sameDatagram(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if a == b { return true }
        guard !isContract, let left = try? parse(a), let right = try? parse(b) else { return false }
        return left == right
    }

    /// What identifies a datagram when telling a repeat from a new one: the contract's datagram
    /// itself; in any other dialect the message it was read as (`message`, when it read), in the
    /// contract's form, so copies that differ only in what the message leaves out are one.
    public func repeatKey(_ payload: [UInt8], readAs message: Message?) -> [UInt8] {
        guard !isContract, let message else { return payload }
        return message.bytes
    }

    /// `message` as a detail quotes it: the contract's text (`'LEFT 11'`), or in any other dialect
    /// its datagram without the terminator, shown by `escape`, with the contract's verb in brackets
    /// (`'LIN:12' [REGISTERED]`), so fields the dialect leaves out never show. `context` is the
    /// writer's (its `{self}`). Nil when the dialect has no such message.
    public func quote(_ message: Message, context: DialectContext = DialectContext(), escape: ([UInt8]) -> String) -> String? {
        if isContract { return "'\(message.serialized)'" }
        guard var bytes = serialize(message, context: context) else { return nil }
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        return "'\(escape(bytes))' [\(message.verb.rawValue)]"
    }
}
