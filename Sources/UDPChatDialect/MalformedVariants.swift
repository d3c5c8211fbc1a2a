// Malformed datagrams in a dialect: the variants its reader rejects, and the samples the grader's
// S-MALFORMED and C-MALFORMED send (the contract's own list in ContractMalformed.swift).
import UDPChatWire

extension Dialect {
    /// One malformed datagram in this dialect and why it is malformed (for the grader's S-MALFORMED
    /// under a dialect: the implementation must drop each one and keep working).
    public struct MalformedVariant: Sendable, Hashable {
        public var bytes: [UInt8]
        public var why: String
        /// Who sends it to the party under test (`malformedSamples(for:)`).
        public var sender: MalformedSender = .stranger
    }

    /// Who sends a malformed sample: to a server, a `stranger` (never registered) or the `owner`
    /// (a registered client whose entry must not change); to a client, its `peer` or the `server`.
    public enum MalformedSender: Sendable, Hashable { case stranger, owner, peer, server }

    /// The party that receives malformed samples, with the live values realistic samples use.
    public enum MalformedTarget: Sendable, Hashable {
        /// A server that registered `owner` at `ownerPort` (and never id 31).
        case server(owner: ClientID, ownerPort: UInt16)
        /// A client connected to `peer` on `conn`.
        case client(conn: ConnToken, peer: ClientID)
    }

    /// What S-MALFORMED and C-MALFORMED send the party under test, each with its sender. The
    /// contract's format has its hand-written list (every way its grammar can be broken); any other
    /// dialect its `malformedVariants()`, to a server every second one from the owner, to a client
    /// all from the peer.
    public func malformedSamples(for target: MalformedTarget) -> [MalformedVariant] {
        if isContract { return Dialect.contractMalformed(for: target) }
        return malformedVariants().enumerated().map { index, variant in
            var variant = variant
            if case .server = target { variant.sender = index % 2 == 1 ? .owner : .stranger } else { variant.sender = .peer }
            return variant
        }
    }

    /// Malformed variants of the dialect's own messages: empty, too long, not UTF-8, an unknown
    /// verb, and for every message it has, each numeric field as 0, as a non-number and out of
    /// range, and the datagram cut short. Every variant is one this dialect's reader rejects.
    public func malformedVariants() -> [MalformedVariant] {
        var variants: [MalformedVariant] = [
            MalformedVariant(bytes: [], why: "empty datagram"),
            MalformedVariant(bytes: [UInt8](repeating: 0x41, count: maxDatagram + 1), why: "over \(maxDatagram) bytes"),
            MalformedVariant(bytes: [0xC3, 0x28, 0xFF], why: "not UTF-8"),
            MalformedVariant(bytes: Array((format == .json ? #"{"type": "no-such-message"}"# : "NO_SUCH_VERB:1").utf8), why: "unknown verb"),
        ]
        for example in examples() where example.problem == nil {
            guard let template = templates[example.message.verb] else { continue }
            for field in template.fields where field.isNumeric {
                for (value, why) in [("0", "zero"), ("x1", "not a number"), (String(UInt64(field.max) + 1), "out of range")] {
                    if let bytes = render(example.message, replacing: field, with: value) {
                        variants.append(MalformedVariant(bytes: bytes, why: "\(template.verb.rawValue) with {\(field.rawValue)} \(why)"))
                    }
                }
            }
            let cut = Array(example.bytes.prefix(max(1, example.bytes.count / 2)))
            variants.append(MalformedVariant(bytes: cut, why: "\(template.verb.rawValue) cut short"))
        }
        // Keep only what the reader really rejects (a cut may still be a valid shorter message),
        // whatever request it might be read as the answer to.
        let contexts = [Dialect.exampleContext] + Verb.allCases.map { Dialect.exampleContext(for: $0) }
        return variants.filter { variant in contexts.allSatisfy { (try? parse(variant.bytes, context: $0)) == nil } }
    }

    /// The example message written with one field's text replaced.
    func render(_ message: Message, replacing target: Field, with text: String) -> [UInt8]? {
        guard let template = templates[message.verb] else { return nil }
        switch format {
        case .text:
            var out: [UInt8] = []
            for segment in template.segments {
                switch segment {
                case .literal(let bytes): out += bytes
                case .field(let field):
                    out += Array((field == target ? text : value(of: field, in: DialectReading(message), context: Dialect.exampleWriter(for: message.verb))).utf8)
                }
            }
            return out + terminator.bytes
        case .json:
            let entries = template.entries.map { entry -> (key: String, value: JSONValue) in
                switch entry.slot {
                case .constant(let constant): return (entry.key, constant)
                case .field(let field) where field == target:
                    return (entry.key, Int(text) != nil || UInt64(text) != nil ? .number(text) : .string(text))
                case .field(let field):
                    let value = value(of: field, in: DialectReading(message), context: Dialect.exampleWriter(for: message.verb))
                    return (entry.key, field.isNumeric ? .number(value) : .string(value))
                }
            }
            return Array(JSONValue.object(entries).rendered.utf8) + terminator.bytes
        }
    }
}
