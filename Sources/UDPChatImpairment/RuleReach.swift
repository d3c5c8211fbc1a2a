// Why a protocol-aware rule can never match a dialect's datagrams: the proxy's warning at start.
import UDPChatWire

extension Rule {
    /// Why this rule can never match a datagram of `dialect` (nil when it can): the dialect has
    /// none of its verbs, or none of them carries a field the rule compares (`seq=` on REGISTER,
    /// `conn=` in a dialect without connection tokens). The proxy warns at start with it.
    public func neverMatches(in dialect: some WireFormat) -> String? {
        guard needsDecoding else { return nil }
        let named = verbs.map { v in Verb.allCases.filter { v.contains($0) } } ?? Verb.allCases
        let present = named.filter { dialect.wireFields(of: $0) != nil }
        guard !present.isEmpty else {
            return "dialect \(dialect.name) has no \(named.map(\.rawValue).joined(separator: " or "))"
        }
        let compared: [Field] = [id.map { _ in .id }, conn.map { _ in .conn }, seq.map { _ in .seq }, port.map { _ in .port }].compactMap { $0 }
        for field in compared {
            let carried = present.contains { verb in
                let fields = dialect.wireFields(of: verb) ?? []
                // The contract's own message must have the field, and this dialect must write it.
                let inContract = ContractFormat().wireFields(of: verb)?.contains(field) ?? false
                // An alternating bit is the sequence number's low bit: `seq=` matches it (read as 1 or 2
                // without the receiver's context).
                return inContract && (fields.contains(field) || (field == .id && fields.contains(.selfID)) || (field == .seq && fields.contains(.bit)))
            }
            if !carried {
                let which = verbs == nil ? "no message" : "no \(present.map(\.rawValue).joined(separator: " or "))"
                return "\(which) of dialect \(dialect.name) carries {\(field.rawValue)}"
            }
        }
        return nil
    }
}
