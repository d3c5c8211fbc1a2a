// How a datagram that fit a template becomes a reading: the request it answers is found in the
// context, and fields the template leaves out ({id}, {seq} from {bit} or from the request) are
// filled (docs/DIALECTS.md, "Answers, ids and receivers").
import UDPChatWire

extension Dialect {
    /// The reading of a datagram that fit `template`. Throws when the template answers requests
    /// but fits none in the context (an id-less answer with no request of its kind, or a `{tag}`
    /// that echoes no request): the reader then tries the next template.
    func reading(_ template: Template, _ values: FieldValues, _ context: DialectContext) throws(WireError) -> DialectReading {
        let request = try answered(by: template, values, context)
        var values = values
        var filled: [Field] = []
        if values.id == nil, let id = absentID(template.verb, request, context), id != 0 {
            values.id = id
            filled.append(.id)
        }
        if values.seq == nil, template.verb == .msg || template.verb == .ack {
            let reference = template.verb == .ack ? request?.message.seq ?? context.expectedSeq : context.expectedSeq
            if let bit = values.bit {
                values.seq = Dialect.seq(bit: bit, near: reference)
                if reference != nil { filled.append(.seq) }
            } else if let reference {
                values.seq = reference
                filled.append(.seq)
            }
        }
        return DialectReading(message(template.verb, values, context), tag: values.tag, to: values.to, answers: request, fromContext: filled)
    }

    /// The most recent request in the context that `template`'s verb answers (and whose `{tag}`
    /// the datagram repeats). Nil when the context names no request of that kind and the
    /// template does not need one.
    func answered(by template: Template, _ values: FieldValues, _ context: DialectContext) throws(WireError) -> DialectRequest? {
        let verb = template.verb
        let candidates = context.requests.filter { verb.answersTo.contains($0.message.verb) }
        if let tag = values.tag, !candidates.isEmpty {
            guard let match = candidates.last(where: { $0.tag == nil || $0.tag == tag }) else {
                throw .templateMismatch(verb: verb, detail: "{tag} '\(tag.prefix(40))' repeats no request's")
            }
            return match
        }
        if candidates.isEmpty, !context.requests.isEmpty, !verb.isRequest, !template.fields.contains(.id) {
            throw .templateMismatch(verb: verb, detail: "answers none of the requests sent (it has no {id} of its own)")
        }
        return candidates.last
    }

    /// Where an `{id}` the template leaves out comes from: a server's answer has its request's
    /// id; a peer's answer is from the peer the request went to; other peer messages are from the
    /// connection's peer; REGISTER and LEAVE (`ids: server-assigned`) from the sender's id.
    func absentID(_ verb: Verb, _ request: DialectRequest?, _ context: DialectContext) -> ClientID? {
        switch verb {
        case .registered, .peer, .inactive, .left, .error: request?.message.id
        case .accept, .reject, .ack, .terminated: request?.peer ?? context.connPeer
        case .connect, .msg, .terminate: context.connPeer
        case .register, .leave: context.senderID
        case .lookup: nil
        }
    }

    /// The alternating bit of a sequence number: 1, 3, 5, … are 0; 2, 4, … are 1.
    public static func bit(of seq: SeqNo) -> UInt8 { UInt8((seq &- 1) & 1) }

    /// The sequence number a `{bit}` stands for, next to `reference` (the receiver's expected
    /// number for MSG, the request's for ACK): the reference when the bit is its bit, else the
    /// number before it (a re-send, or the ACK of the previous message). Without a reference,
    /// 0 is 1 and 1 is 2.
    public static func seq(bit: UInt8, near reference: SeqNo?) -> SeqNo {
        guard let reference, reference >= 1 else { return SeqNo(bit) + 1 }
        if Dialect.bit(of: reference) == bit { return reference }
        return reference > 1 ? reference - 1 : 2
    }
}
