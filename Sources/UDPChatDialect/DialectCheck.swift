// `udpchat dialect check`: one example of every message (and of every further form) written in
// the dialect and read back, with the contexts a real reader would have.
import UDPChatSupport
import UDPChatWire

extension Dialect {
    /// One verb's example: its datagram in this dialect and whether it reads back as the same message.
    public struct Example: Sendable {
        public var message: Message
        public var bytes: [UInt8]
        /// Nil when it round-trips; else what went wrong.
        public var problem: String?
        /// Which of the verb's forms it is written in (0: the one udpchat writes).
        public var form: Int = 0
        /// What the reader took from the context (the request answered, fields not on the wire).
        public var note: String?
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// The context examples are read with: the reader is client 99 of a live connection
    /// 305419896, and server datagrams come from 192.0.2.7:7070.
    public static let exampleContext = DialectContext(localID: 99, conn: 305_419_896, source: Endpoint(host: "192.0.2.7", port: 7070))

    /// The example messages: client 12 asks (the server, or peer 34), 34 and the server answer.
    static func exampleMessages(conn: ConnToken) -> [Message] {
        [
            .register(id: 12, port: 40001), .registered(id: 12, port: 40001), .lookup(id: 34),
            .peer(id: 34, host: "192.0.2.8", port: 40002), .inactive(id: 34), .leave(id: 12), .left(id: 12),
            .error(code: .idInUse, id: 12), .connect(conn: conn, id: 12), .accept(conn: conn, id: 34),
            .reject(conn: conn, id: 34), .msg(conn: conn, id: 12, seq: 7, text: "hello: how are you?"),
            .ack(conn: conn, id: 34, seq: 7), .terminate(conn: conn, id: 12), .terminated(conn: conn, id: 34),
        ]
    }

    /// The request an example answer answers, as client 12 sent it (tag "0", peer 34).
    static func exampleRequest(for verb: Verb) -> DialectRequest? {
        let conn = exampleContext.conn!
        let request: Message? = switch verb {
        case .registered, .error: .register(id: 12, port: 40001)
        case .peer, .inactive: .lookup(id: 34)
        case .left: .leave(id: 12)
        case .accept, .reject: .connect(conn: conn, id: 12)
        case .ack: .msg(conn: conn, id: 12, seq: 7, text: "hello: how are you?")
        case .terminated: .terminate(conn: conn, id: 12)
        default: nil
        }
        return request.map { DialectRequest($0, peer: $0.verb.isClientServer ? nil : 34, tag: "0") }
    }

    /// How the reader of an example sees it: its peer is the sender, it sent the request the
    /// example answers, it expects seq 7 next, and the server gave the sender id 12.
    public static func exampleContext(for verb: Verb) -> DialectContext {
        var context = exampleContext
        context.connPeer = verb.isClientServer ? nil : (verb.isRequest ? 12 : 34)
        context.requests = exampleRequest(for: verb).map { [$0] } ?? []
        context.expectedSeq = 7
        context.senderID = 12
        return context
    }

    /// How the writer of an example sees it: its peer is the receiver, and an answer's request is known.
    static func exampleWriter(for verb: Verb) -> DialectContext {
        var context = exampleContext
        context.connPeer = verb.isClientServer ? nil : (verb.isRequest ? 34 : 12)
        context.requests = exampleRequest(for: verb).map { [$0] } ?? []
        return context
    }

    /// One example of every message the dialect has, in each of its forms, written and read back
    /// (`udpchat dialect check`). Fields the dialect leaves out are shown as they read back.
    public func examples() -> [Example] {
        let conn = templates[.connect]?.fields.contains(.conn) == false ? Dialect.exampleContext.conn! : 4_021_937_113
        return Dialect.exampleMessages(conn: conn).flatMap { sample -> [Example] in
            (forms[sample.verb] ?? []).indices.map { example(sample, form: $0) }
        }
    }

    func example(_ sample: Message, form: Int) -> Example {
        let writer = Dialect.exampleWriter(for: sample.verb), reader = Dialect.exampleContext(for: sample.verb)
        let bytes = form == 0 ? serialize(sample, context: writer)! : write(forms[sample.verb]![form], DialectReading(sample), context: writer)
        var example = Example(message: sample, bytes: bytes, form: form)
        let reading: DialectReading
        do {
            reading = try read(bytes, context: reader)
        } catch {
            example.problem = "does not read back: \(error)"
            return example
        }
        if reading.message.verb != sample.verb {
            example.problem = "reads back as \(reading.message.verb.rawValue): another template matches it first"
            return example
        }
        example.message = reading.message
        example.note = Dialect.note(reading)
        if form > 0 {
            // A later form is read, never written: it must read as what the first form writes back.
            if serialize(reading, context: writer) != serialize(sample, context: writer) { example.problem = "reads back as \(reading.message), not as the first form's message" }
        } else if let again = serialize(reading, context: writer), again != bytes {
            example.problem = "writes back differently: \(String(decoding: again, as: UTF8.self))"
        }
        return example
    }

    /// What a reading took from its context, for people: `answers REGISTER 12 40001, tag 0 repeated; {id} from the context`.
    static func note(_ reading: DialectReading) -> String? {
        guard !reading.fromContext.isEmpty || reading.tag != nil || reading.to != nil else { return nil }
        var parts: [String] = []
        if let request = reading.answers { parts.append("answers \(request.message)" + (reading.tag.map { ", tag \($0) repeated" } ?? "")) }
        if let to = reading.to { parts.append("to \(to)") }
        if !reading.fromContext.isEmpty { parts.append(reading.fromContext.map { "{\($0.rawValue)}" }.joined(separator: ", ") + " from the context") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
