// A normal session of two clients, written in a fixture's dialect as its programs send it (the
// datagrams `dialect infer` is given), and the check that another dialect reads them alike.
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

struct InferSession {
    static let server = Endpoint(host: "127.0.0.1", port: 7070)
    static let a = Endpoint(host: "127.0.0.1", port: 40001), b = Endpoint(host: "127.0.0.1", port: 40002)
    static let texts = ["hello", "how are you", "fine, you?"]

    let dialect: Dialect
    let idA: ClientID, idB: ClientID, inactive: ClientID
    var datagrams: [InferDatagram] = []
    /// What each datagram is (the receiver's id, the sender's), to read it back with any dialect.
    var truth: [(message: Message, sender: ClientID?, receiver: ClientID?)] = []

    var values: InferValues { InferValues(ids: [idA, idB, inactive], ports: [Self.a.port, Self.b.port], texts: Self.texts) }

    init(dialect: Dialect, ids: (ClientID, ClientID, ClientID) = (3, 5, 9), firstSeq s1: SeqNo = 1) {
        self.dialect = dialect
        (idA, idB, inactive) = ids
        let (a, b, s) = (Self.a, Self.b, Self.server)
        let (c1, c2): (ConnToken, ConnToken) = (4_242_001, 4_242_002)
        exchange(.register(id: idA, port: a.port), .registered(id: idA, port: a.port), a, s, idA, nil)
        exchange(.register(id: idB, port: b.port), .registered(id: idB, port: b.port), b, s, idB, nil)
        exchange(.lookup(id: inactive), .inactive(id: inactive), a, s, idA, nil)
        exchange(.lookup(id: idB), .peer(id: idB, host: "127.0.0.1", port: b.port), a, s, idA, nil)
        exchange(.connect(conn: c1, id: idA), .reject(conn: c1, id: idB), a, b, idA, idB)
        exchange(.connect(conn: c2, id: idA), .accept(conn: c2, id: idB), a, b, idA, idB)
        exchange(.msg(conn: c2, id: idA, seq: s1, text: Self.texts[0]), .ack(conn: c2, id: idB, seq: s1), a, b, idA, idB)
        exchange(.msg(conn: c2, id: idA, seq: s1, text: Self.texts[0]), .ack(conn: c2, id: idB, seq: s1), a, b, idA, idB)  // a re-send
        exchange(.msg(conn: c2, id: idA, seq: s1 + 1, text: Self.texts[1]), .ack(conn: c2, id: idB, seq: s1 + 1), a, b, idA, idB)
        exchange(.msg(conn: c2, id: idB, seq: s1, text: Self.texts[2]), .ack(conn: c2, id: idA, seq: s1), b, a, idB, idA)
        exchange(.terminate(conn: c2, id: idA), .terminated(conn: c2, id: idB), a, b, idA, idB)
        exchange(.leave(id: idA), .left(id: idA), a, s, idA, nil)
        exchange(.leave(id: idB), .left(id: idB), b, s, idB, nil)
    }

    /// A request and its answer, each written as the fixture's program writes it (tag 7 echoed).
    mutating func exchange(_ request: Message, _ answer: Message, _ from: Endpoint, _ to: Endpoint, _ sender: ClientID, _ peer: ClientID?) {
        let asked = DialectReading(request, tag: "7")
        let out = DialectContext(localID: sender, connPeer: peer)
        append(dialect.serialize(asked, context: out)!, request, from, to, sender, peer)
        let back = DialectContext(localID: peer ?? request.id, connPeer: sender, requests: [DialectRequest(asked, peer: peer)])
        append(dialect.serialize(answer, context: back)!, answer, to, from, peer, sender)
    }

    mutating func append(_ bytes: [UInt8], _ message: Message, _ from: Endpoint, _ to: Endpoint, _ sender: ClientID?, _ receiver: ClientID?) {
        datagrams.append(InferDatagram(time: Double(datagrams.count) / 10, from: from, to: to, bytes: bytes))
        truth.append((message, sender, receiver))
    }

    /// Every datagram read with `reader` as `udpchat decode` reads a capture (each answer with
    /// the requests its socket sent), paired with the fixture dialect's reading of it.
    func readBoth(with reader: Dialect) -> [(verb: Verb, real: Message?, inferred: Message?, text: String)] {
        var logs = (real: DialectRequestLog(), inferred: DialectRequestLog())
        var rows: [(Verb, Message?, Message?, String)] = []
        for (datagram, truth) in zip(datagrams, truth) {
            let base = DialectContext(localID: truth.receiver ?? truth.message.id, connPeer: truth.sender,
                                      senderID: truth.sender ?? truth.message.id, expectedSeq: truth.message.seq)
            let real = try? dialect.read(datagram.bytes, context: logs.real.context(at: datagram.to, from: datagram.from, base: base))
            let inferred = try? reader.read(datagram.bytes, context: logs.inferred.context(at: datagram.to, from: datagram.from, base: base))
            if let real, real.message.verb.isRequest { logs.real.sent(DialectRequest(real, peer: truth.receiver), from: datagram.from, to: datagram.to) }
            if let inferred, inferred.message.verb.isRequest { logs.inferred.sent(DialectRequest(inferred, peer: truth.receiver), from: datagram.from, to: datagram.to) }
            rows.append((truth.message.verb, real?.message, inferred?.message, String(decoding: datagram.bytes, as: UTF8.self)))
        }
        return rows
    }
}
