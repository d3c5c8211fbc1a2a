// The steps the client cases (C-*) share: waiting for console lines, playing the peer that connects, sending chat.
import UDPChatSupport
import UDPChatWire

extension CaseContext {
    /// The first console line after `after`, waiting up to `within` (nil if none).
    func firstOutput(after: Duration, within: Duration) async throws -> TraceEvent? {
        let deadline = trace.now() + within
        while trace.now() < deadline {
            if let line = trace.events.first(where: { $0.kind == .stdout && $0.time > after }) { return line }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// The peer asks to connect with `conn`; the user answers (accept/reject); returns the answer datagram.
    /// `setup`: a set-up step of the case (a FAIL reads "setup: accept: …"), not the rule it checks.
    @discardableResult
    func incomingConnection(conn given: ConnToken? = nil, accept: Bool = true, setup: Bool = true) async throws -> TraceEvent {
        try await step(setup ? (accept ? "accept" : "reject") : nil) { try await incoming(conn: given, accept: accept) }
    }

    private func incoming(conn given: ConnToken?, accept: Bool) async throws -> TraceEvent {
        let conn = given ?? peerConn
        let before = trace.now()
        try peer.send(.connect(conn: conn, id: peerID), to: clientAddress)
        _ = try await firstOutput(after: before, within: .milliseconds(1500))  // the prompt, whatever it looks like
        try await pause(.milliseconds(50))
        let typed = trace.now()
        try type(accept ? "accept" : "reject")
        let answer: Message = accept ? .accept(conn: conn, id: clientID) : .reject(conn: conn, id: clientID)
        let event = try await expect("\(quote(answer)) at the peer after the user typed \(accept ? "accept" : "reject")",
                                     at: peer, after: typed, within: .seconds(2)) { self.same($0, answer) }
        try await pause(.milliseconds(100))
        return event
    }

    /// The user connects to the peer: LOOKUP at the server, PEER answered, CONNECT at the peer. Returns the CONNECT.
    /// `setup`: a set-up step of the case (a FAIL reads "setup: connect: …"), not the rule it checks.
    func outgoingConnect(setup: Bool = true) async throws -> TraceEvent {
        try await step(setup ? "connect" : nil) {
            let before = trace.now()
            try type("connect", peer: peerID)
            try await expect("\(quote(.lookup(id: peerID))) at the server", at: fakeServer, after: before, within: .seconds(2)) { self.same($0, .lookup(id: self.peerID)) }
            return try await expect("\(connectShown) at the peer (the address PEER gave)", at: peer, after: before, within: .seconds(2)) {
                if case .connect(_, let id) = $0 { return id == self.clientID }
                return false
            }
        }
    }

    /// How a FAIL shows the CONNECT the client must send (its conn is the client's choice).
    var connectShown: String {
        hasConn ? "'CONNECT <conn> \(clientID)'" : quote(.connect(conn: 0, id: clientID))
    }

    /// UNSUPPORTED in a dialect whose MSG carries an alternating `{bit}` (a window of one) for a
    /// case that needs a sequence number further than one from the expected.
    func requireSeq(_ what: String) throws {
        if usesBit { throw CaseStop.unsupported("dialect \(dialect.name)'s MSG has an alternating {bit}, a window of one: \(what)") }
    }

    /// Sends `message` from the peer to the client.
    func fromPeer(_ message: Message, tag: String? = nil) throws {
        try peer.send(message, to: clientAddress, tag: tag)
    }

    /// Makes the peer acknowledge every MSG from the client automatically.
    func peerAcksMessages() {
        let me = peerID
        peer.setResponder { message, _ in
            if case .msg(let conn, _, let seq, _) = message { return [.ack(conn: conn, id: me, seq: seq)] }
            return []
        }
    }

    /// Lines on stdout containing `text`, with a failure if the count is not `count`.
    func expectShown(_ text: String, times count: Int, after: Duration) throws {
        let shown = lines(containing: text, after: after)
        if shown.count != count {
            throw CaseStop.fail("expected the message text '\(text)' on the console \(count == 1 ? "once" : "\(count) times"), "
                + "it was shown \(counted(shown.count, "time"))\(shown.isEmpty ? "" : ": " + shown.map { "'\($0.text)' at t=\(seconds($0.time))" }.joined(separator: ", "))")
        }
    }
}

/// The client-role catalogue: the grader plays the server and the peers.
enum ClientCases {
    static let peerConn: ConnToken = 3_000_000_001
    static let otherConn: ConnToken = 3_000_000_002
    static let server = "Client ↔ server"
    static let setup = "Client ↔ client: Connection set-up"
    static let messages = "Client ↔ client: Messages"
    static let termination = "Client ↔ client: Termination"
    static let leave = "Client ↔ client: Leave"

    static let all: [GradeCase] = registration + connection + chat + robustness + ending

    static let registration: [GradeCase] = [
        GradeCase("C-REGISTER", .client, section: server, level: .must,
                  title: "the client registers with REGISTER <id> <advertised port> on start") { ctx in
            try await ctx.startClient(setup: false)
            let register = ctx.trace.events.first { $0.node == "server" && $0.message?.verb == .register }!
            if ctx.manifest.uses("advertise_port") || ctx.manifest.uses("port"), register.message?.port != ctx.givenAdvertisePort {
                throw CaseStop.fail("expected \(ctx.quote(.register(id: ctx.clientID, port: ctx.givenAdvertisePort))) (port \(ctx.givenAdvertisePort), the one the grader gave); observed '\(register.text)'")
            }
        },
        GradeCase("C-REGISTER-ADVERTISED", .client, section: server, level: .must,
                  title: "behind a relay, REGISTER carries {advertise_port} and peers reach the client through it",
                  needs: ["accept"], needsRelay: true,
                  sends: [.connect], observes: [.accept]) { ctx in
            if !ctx.registerHasPort {
                throw CaseStop.unsupported("dialect \(ctx.dialect.name)'s REGISTER has no {port}: the client cannot advertise the relay's port")
            }
            try await ctx.startClient(relay: true, setup: false)
            let register = ctx.trace.events.first { $0.node == "server" && $0.message?.verb == .register }!
            if register.message?.port != ctx.givenAdvertisePort {
                throw CaseStop.fail("expected \(ctx.quote(.register(id: ctx.clientID, port: ctx.givenAdvertisePort))) (port \(ctx.givenAdvertisePort): the relay's, {advertise_port}); "
                    + "observed '\(register.text)'")
            }
            try await ctx.incomingConnection(setup: false)
        },
        GradeCase("C-REGISTER-RESEND", .client, section: server, level: .must,
                  title: "an unanswered REGISTER is re-sent unchanged after one RTO") { ctx in
            try await ctx.startClient(dropFirstRegister: true, setup: false)
            let first = ctx.trace.events.first { $0.node == "server" && $0.kind == .dropped }!
            try await ctx.expectResend(of: first, at: ctx.fakeServer, what: "REGISTER re-send")
        },
        GradeCase("C-LOOKUP", .client, section: server, level: .must,
                  title: "connecting to a client starts with LOOKUP <id> to the server", needs: ["connect"],
                  observes: [.lookup]) { ctx in
            try await ctx.startClient()
            let before = ctx.trace.now()
            try ctx.type("connect", peer: ctx.peerID)
            try await ctx.expect("\(ctx.quote(.lookup(id: ctx.peerID))) at the server", at: ctx.fakeServer, after: before, within: .seconds(2)) {
                ctx.same($0, .lookup(id: ctx.peerID))
            }
        },
        GradeCase("C-INACTIVE", .client, section: server, level: .must,
                  title: "after INACTIVE the client sends no CONNECT and stops asking", needs: ["connect"],
                  sends: [.inactive], observes: [.lookup]) { ctx in
            try await ctx.startClient()
            let before = ctx.trace.now()
            try ctx.type("connect", peer: 43)
            let lookup = try await ctx.expect("\(ctx.quote(.lookup(id: 43))) at the server", at: ctx.fakeServer, after: before, within: .seconds(2)) { ctx.same($0, .lookup(id: 43)) }
            try await ctx.expectNone("LOOKUP re-send after INACTIVE was answered", at: ctx.fakeServer, after: lookup.time + .milliseconds(1),
                                     for: ctx.rto * 1.3) { ctx.same($0, .lookup(id: 43)) }
            try await ctx.expectNone("CONNECT to anyone", at: ctx.peer, after: before, for: .milliseconds(10)) { $0.verb == .connect }
        },
    ]

    static let connection: [GradeCase] = [
        GradeCase("C-CONNECT", .client, section: setup, level: .must,
                  title: "CONNECT <conn> <own id> goes to the address PEER gave", needs: ["connect"],
                  sends: [.peer], observes: [.lookup, .connect]) { ctx in
            try await ctx.startClient()
            _ = try await ctx.outgoingConnect(setup: false)
        },
        GradeCase("C-CONNECT-RESEND", .client, section: setup, level: .must,
                  title: "an unanswered CONNECT is re-sent unchanged every RTO (two re-sends, timing graded)", needs: ["connect"],
                  sends: [.peer], observes: [.lookup, .connect]) { ctx in
            try await ctx.startClient()
            let first = try await ctx.outgoingConnect()
            let second = try await ctx.expectResend(of: first, at: ctx.peer, what: "first CONNECT re-send")
            try await ctx.expectResend(of: second, at: ctx.peer, what: "second CONNECT re-send")
        },
        GradeCase("C-CONNECT-SPOOF", .client, section: setup, level: .must,
                  title: "an ACCEPT from an address other than the one PEER gave is ignored: CONNECT keeps being re-sent",
                  needs: ["connect"],
                  sends: [.peer, .accept], observes: [.lookup, .connect]) { ctx in
            if ctx.dialect.peerSource == .any {
                throw CaseStop.unsupported("dialect \(ctx.dialect.name) has peer-source: any: an ACCEPT from another port is legitimate there")
            }
            try await ctx.startClient()
            let connect = try await ctx.outgoingConnect()
            guard let conn = connect.message?.conn else { return }
            let stranger = try await ctx.node("stranger")
            try stranger.send(.accept(conn: conn, id: ctx.peerID), to: ctx.clientAddress, tag: "spoofed")
            try await ctx.expectResend(of: connect, at: ctx.peer, what: "CONNECT re-send after an ACCEPT from a stranger's address")
            try await ctx.expectNone("datagram to the stranger", at: stranger, after: .seconds(0), for: .milliseconds(10)) { _ in true }
        },
        GradeCase("C-CONNECT-ACCEPTED", .client, section: setup, level: .must,
                  title: "after ACCEPT the client stops re-sending CONNECT and chats on that conn", needs: ["connect", "send"],
                  sends: [.peer, .accept, .ack], observes: [.lookup, .connect, .msg]) { ctx in
            try await ctx.startClient()
            let connect = try await ctx.outgoingConnect()
            guard let conn = connect.message?.conn else { return }
            ctx.peerAcksMessages()
            let accepted = ctx.trace.now()
            try ctx.fromPeer(.accept(conn: conn, id: ctx.peerID))
            try await ctx.pause(.milliseconds(150))
            try ctx.type("send", text: "hello after accept")
            // An alternating bit has no first value: the first MSG after the client's own CONNECT may carry either.
            let first = Message.msg(conn: conn, id: ctx.clientID, seq: 1, text: "hello after accept")
            try await ctx.expect("\(ctx.quote(first))\(ctx.usesBit ? " (either bit)" : "")", at: ctx.peer, after: accepted, within: .seconds(2)) {
                ctx.usesBit ? ctx.same($0, first) || ctx.same($0, .msg(conn: conn, id: ctx.clientID, seq: 2, text: "hello after accept")) : ctx.same($0, first)
            }
            try await ctx.expectNone("CONNECT re-send after ACCEPT", at: ctx.peer, after: accepted + .milliseconds(20), for: ctx.rto * 1.3) {
                $0.verb == .connect
            }
        },
        GradeCase("C-CONNECT-REJECTED", .client, section: setup, level: .must,
                  title: "after REJECT the client stops re-sending CONNECT", needs: ["connect"],
                  sends: [.peer, .reject], observes: [.lookup, .connect]) { ctx in
            try await ctx.startClient()
            let connect = try await ctx.outgoingConnect()
            guard let conn = connect.message?.conn else { return }
            let rejected = ctx.trace.now()
            try ctx.fromPeer(.reject(conn: conn, id: ctx.peerID))
            try await ctx.expectNone("CONNECT re-send after REJECT", at: ctx.peer, after: rejected + .milliseconds(20), for: ctx.rto * 1.3) {
                $0.verb == .connect
            }
        },
        GradeCase("C-ACCEPT-AS-MSG", .client, section: setup, level: .must,
                  title: "a MSG on the pending conn from the peer counts as ACCEPT: ACKed, shown, CONNECT stops", needs: ["connect"],
                  sends: [.peer, .msg], observes: [.lookup, .connect, .ack]) { ctx in
            try await ctx.startClient()
            let connect = try await ctx.outgoingConnect()
            guard let conn = connect.message?.conn else { return }
            let sent = ctx.trace.now()
            try ctx.fromPeer(.msg(conn: conn, id: ctx.peerID, seq: 1, text: "accept was lost"), tag: "ACCEPT withheld")
            try await ctx.expect("\(ctx.quote(.ack(conn: conn, id: ctx.clientID, seq: 1)))", at: ctx.peer, after: sent, within: .seconds(2)) {
                ctx.same($0, .ack(conn: conn, id: ctx.clientID, seq: 1))
            }
            try await ctx.expectLine(containing: "accept was lost", after: sent, within: .seconds(2))
            try await ctx.expectNone("CONNECT re-send after the MSG", at: ctx.peer, after: sent + .milliseconds(20), for: ctx.rto * 1.3) {
                $0.verb == .connect
            }
        },
        GradeCase("C-INCOMING-ACCEPT", .client, section: setup, level: .must,
                  title: "an incoming CONNECT is prompted; accept answers ACCEPT <conn> <own id> to its source", needs: ["accept"],
                  sends: [.connect], observes: [.accept]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection(accept: true, setup: false)
        },
        GradeCase("C-INCOMING-REJECT", .client, section: setup, level: .must,
                  title: "reject answers REJECT <conn> <own id>", needs: ["reject"],
                  sends: [.connect], observes: [.reject]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection(accept: false, setup: false)
        },
        GradeCase("C-INCOMING-REPEAT", .client, section: setup, level: .must,
                  title: "a repeated CONNECT is prompted once and, once decided, answered the same again", needs: ["accept"],
                  sends: [.connect], observes: [.accept]) { ctx in
            try await ctx.startClient()
            let conn = ctx.peerConn
            let before = ctx.trace.now()
            try ctx.fromPeer(.connect(conn: conn, id: ctx.peerID))
            _ = try await ctx.firstOutput(after: before, within: .milliseconds(1500))
            try await ctx.pause(.milliseconds(200))
            let prompt = Set(ctx.trace.events.filter { $0.kind == .stdout && $0.time > before }.map(\.text))
            let repeated = ctx.trace.now()
            try ctx.fromPeer(.connect(conn: conn, id: ctx.peerID), tag: "duplicate")
            try await ctx.pause(.milliseconds(300))
            if let again = ctx.trace.events.first(where: { $0.kind == .stdout && $0.time > repeated && prompt.contains($0.text) }) {
                throw CaseStop.fail("a repeated CONNECT while the user decides must not prompt again; the prompt line '\(again.text)' "
                    + "was printed again at t=\(seconds(again.time))")
            }
            try await ctx.expectNone("answer before the user decided", at: ctx.peer, after: before, for: .milliseconds(10)) {
                $0.verb == .accept || $0.verb == .reject
            }
            let typed = ctx.trace.now()
            try ctx.type("accept")
            let first = try await ctx.expect("\(ctx.quote(.accept(conn: conn, id: ctx.clientID)))", at: ctx.peer, after: typed, within: .seconds(2)) {
                ctx.same($0, .accept(conn: conn, id: ctx.clientID))
            }
            try await ctx.pause(.milliseconds(100))
            let third = ctx.trace.now()
            try ctx.fromPeer(.connect(conn: conn, id: ctx.peerID), tag: "duplicate")
            try await ctx.expect("\(ctx.quote(.accept(conn: conn, id: ctx.clientID))) again for the repeated CONNECT (the first may have been lost)",
                                 at: ctx.peer, after: max(third, first.time + .milliseconds(1)), within: .seconds(2)) { ctx.same($0, .accept(conn: conn, id: ctx.clientID)) }
            try await ctx.pause(.milliseconds(200))
            if let again = ctx.trace.events.first(where: { $0.kind == .stdout && $0.time > third && prompt.contains($0.text) }) {
                throw CaseStop.fail("a repeated CONNECT after the decision must not prompt again; '\(again.text)' at t=\(seconds(again.time))")
            }
        },
        GradeCase("C-BUSY-REJECT", .client, section: setup, level: .must,
                  title: "a connected client answers another conn's CONNECT with REJECT, without prompting", needs: ["accept"],
                  sends: [.connect], observes: [.accept, .reject]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let other = try await ctx.node("peer-2", id: 43)
            let otherConn = ctx.conn(otherConn, between: 43)
            let sent = ctx.trace.now()
            try other.send(.connect(conn: otherConn, id: 43), to: ctx.clientAddress)
            try await ctx.expect("\(ctx.quote(.reject(conn: otherConn, id: ctx.clientID))) at peer-2 (busy: one connection at a time)", at: other, after: sent,
                                 within: .seconds(2)) { ctx.same($0, .reject(conn: otherConn, id: ctx.clientID)) }
        },
    ]

    static let chat: [GradeCase] = [
        GradeCase("C-MSG-FORMAT", .client, section: messages, level: .must,
                  title: "messages carry the conn, the own id and seq 1, 2, 3 …", needs: ["accept", "send"],
                  sends: [.connect, .ack], observes: [.accept, .msg]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            ctx.peerAcksMessages()
            let before = ctx.trace.now()
            for n in 1...3 {
                try ctx.type("send", text: "grader message \(n)")
                try await ctx.expect("\(ctx.quote(.msg(conn: ctx.peerConn, id: ctx.clientID, seq: SeqNo(n), text: "grader message \(n)")))", at: ctx.peer, after: before, within: .seconds(2)) {
                    ctx.same($0, .msg(conn: ctx.peerConn, id: ctx.clientID, seq: SeqNo(n), text: "grader message \(n)"))
                }
            }
        },
        GradeCase("C-MSG-RESEND", .client, section: messages, level: .must,
                  title: "an unacknowledged MSG is re-sent unchanged (same seq) after one RTO", needs: ["accept", "send"],
                  sends: [.connect, .ack], observes: [.accept, .msg]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            ctx.peerAcksMessages()
            ctx.peer.addDrop(DropRule(first: 1) { $0.verb == .msg })
            let before = ctx.trace.now()
            try ctx.type("send", text: "please resend me")
            var first: TraceEvent?
            let deadline = ctx.trace.now() + .seconds(2)
            while first == nil, ctx.trace.now() < deadline {
                first = ctx.trace.events.first { $0.kind == .dropped && $0.node == "peer" && $0.time >= before }
                try await ctx.pause(.milliseconds(5))
            }
            guard let first else {
                throw CaseStop.fail("expected \(ctx.quote(.msg(conn: ctx.peerConn, id: ctx.clientID, seq: 1, text: "please resend me"))) at the peer within 2 s; "
                    + "observed \(ctx.observed(at: ctx.peer, after: before))")
            }
            try await ctx.expectResend(of: first, at: ctx.peer, what: "MSG re-send")
        },
        GradeCase("C-MSG-ACK", .client, section: messages, level: .must,
                  title: "a MSG is acknowledged with ACK <conn> <own id> <seq> and shown", needs: ["accept"],
                  sends: [.connect, .msg], observes: [.accept, .ack]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let sent = ctx.trace.now()
            try ctx.fromPeer(.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 1, text: "hello from the grader"))
            try await ctx.expect("\(ctx.quote(.ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1)))", at: ctx.peer, after: sent, within: .seconds(2)) {
                ctx.same($0, .ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1))
            }
            try await ctx.expectLine(containing: "hello from the grader", after: sent, within: .seconds(2))
        },
        GradeCase("C-MSG-DEDUP", .client, section: messages, level: .must,
                  title: "a duplicate MSG is ACKed again and not shown again", needs: ["accept"],
                  sends: [.connect, .msg], observes: [.accept, .ack]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let sent = ctx.trace.now()
            let message = Message.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 1, text: "only once please")
            try ctx.fromPeer(message)
            let ack = try await ctx.expect("\(ctx.quote(.ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1)))", at: ctx.peer, after: sent, within: .seconds(2)) {
                ctx.same($0, .ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1))
            }
            try await ctx.pause(.milliseconds(100))
            let again = ctx.trace.now()
            try ctx.fromPeer(message, tag: "duplicate")
            try await ctx.expect("a second \(ctx.quote(.ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1))) for the duplicate (the first ACK may have been lost)",
                                 at: ctx.peer, after: max(again, ack.time + .microseconds(100)), within: .seconds(2)) {
                ctx.same($0, .ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1))
            }
            try await ctx.pause(.milliseconds(300))
            try ctx.expectShown("only once please", times: 1, after: sent)
        },
        GradeCase("C-MSG-ORDER", .client, section: messages, level: .must,
                  title: "an out-of-order MSG is ACKed, held, and shown after the ones before it", needs: ["accept"],
                  sends: [.connect, .msg], observes: [.accept, .ack]) { ctx in
            try ctx.requireSeq("MSG 2 before MSG 1 cannot be written (bit 1 before bit 0 is MSG 0, a re-send, then MSG 1)")
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let sent = ctx.trace.now()
            try ctx.fromPeer(.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 2, text: "second in order"), tag: "reordered")
            try await ctx.pause(.milliseconds(100))
            try ctx.fromPeer(.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 1, text: "first in order"), tag: "reordered")
            for seq in [SeqNo(2), 1] {
                try await ctx.expect("\(ctx.quote(.ack(conn: ctx.peerConn, id: ctx.clientID, seq: seq)))", at: ctx.peer, after: sent, within: .seconds(2)) {
                    ctx.same($0, .ack(conn: ctx.peerConn, id: ctx.clientID, seq: seq))
                }
            }
            try await ctx.pause(.milliseconds(300))
            try ctx.expectShown("first in order", times: 1, after: sent)
            try ctx.expectShown("second in order", times: 1, after: sent)
            let first = ctx.lines(containing: "first in order", after: sent)[0], second = ctx.lines(containing: "second in order", after: sent)[0]
            if second.time < first.time || (second.time == first.time && ctx.trace.events.firstIndex(of: second)! < ctx.trace.events.firstIndex(of: first)!) {
                throw CaseStop.fail("MSG 2 arrived before MSG 1 and was shown before it ('\(second.text)' at t=\(seconds(second.time)), "
                    + "'\(first.text)' at t=\(seconds(first.time))); it must be held until MSG 1 is shown")
            }
        },
        GradeCase("C-MSG-WINDOW", .client, section: messages, level: .must,
                  title: "a MSG 32 or more ahead of the next expected seq is dropped without an ACK", needs: ["accept"],
                  sends: [.connect, .msg], observes: [.accept, .ack]) { ctx in
            try ctx.requireSeq("MSG 33 cannot be written (its bit is MSG 1's)")
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let sent = ctx.trace.now()
            try ctx.fromPeer(.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 33, text: "too far ahead"), tag: "outside the window")
            try await ctx.pause(.milliseconds(300))
            try await ctx.expectNone("ACK for MSG 33 (next expected is 1; the window is 1 … 32)", at: ctx.peer, after: sent, for: .milliseconds(10)) {
                $0.verb == .ack
            }
            try ctx.fromPeer(.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 32, text: "last in window"), tag: "reordered")
            try await ctx.expect("\(ctx.quote(.ack(conn: ctx.peerConn, id: ctx.clientID, seq: 32))) (inside the window)", at: ctx.peer, after: sent, within: .seconds(2)) {
                ctx.same($0, .ack(conn: ctx.peerConn, id: ctx.clientID, seq: 32))
            }
            try await ctx.pause(.milliseconds(200))
            try ctx.expectShown("too far ahead", times: 0, after: sent)
            try ctx.expectShown("last in window", times: 0, after: sent)
        },
        GradeCase("C-STRANGER", .client, section: "Client ↔ client", level: .must,
                  title: "datagrams from another address, for another conn or with another id are ignored", needs: ["accept"],
                  sends: [.connect, .msg], observes: [.accept, .ack]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let stranger = try await ctx.node("stranger", id: ctx.peerID)
            let start = ctx.trace.now()
            // peer-source: any makes another port of the peer's host legitimate; a dialect without {conn}
            // cannot name another conn: those parts are left out, the wrong id stays.
            // A MSG without {id} (`3 hello`) is from whoever sends it: a wrong id cannot be written.
            let msgHasID = ctx.dialect.templates[.msg]?.fields.contains(.id) ?? true
            var texts: [String] = msgHasID ? ["wrong id"] : []
            if !msgHasID { ctx.trace.note("dialect \(ctx.dialect.name)'s MSG has no {id}: no MSG with a wrong id") }
            if ctx.dialect.peerSource == .registered {
                try stranger.send(.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 1, text: "spoofed from a stranger"), to: ctx.clientAddress, tag: "spoofed")
                texts.append("spoofed from a stranger")
            } else {
                ctx.trace.note("dialect \(ctx.dialect.name) has peer-source: any: no MSG from a stranger's port")
            }
            if ctx.hasConn {
                try ctx.fromPeer(.msg(conn: otherConn, id: ctx.peerID, seq: 1, text: "wrong conn"), tag: "wrong conn")
                texts.append("wrong conn")
            } else {
                ctx.trace.note("dialect \(ctx.dialect.name) has no {conn}: no MSG for another conn")
            }
            if msgHasID { try ctx.fromPeer(.msg(conn: ctx.peerConn, id: 43, seq: 1, text: "wrong id"), tag: "wrong id") }
            try await ctx.pause(.milliseconds(400))
            try await ctx.expectNone("answer to the stranger", at: stranger, after: start, for: .milliseconds(10)) { _ in true }
            try await ctx.expectNone("ACK for a MSG with the wrong conn or id", at: ctx.peer, after: start, for: .milliseconds(10)) { $0.verb == .ack }
            for text in texts { try ctx.expectShown(text, times: 0, after: start) }
            let real = ctx.trace.now()
            try ctx.fromPeer(.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 1, text: "the real message"))
            try await ctx.expect("\(ctx.quote(.ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1))) for the peer's real MSG 1", at: ctx.peer, after: real, within: .seconds(2)) {
                ctx.same($0, .ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1))
            }
            try await ctx.expectLine(containing: "the real message", after: real, within: .seconds(2))
        },
    ]

    static let robustness: [GradeCase] = [
        GradeCase("C-MALFORMED", .client, section: "Datagrams", level: .must,
                  title: "malformed datagrams from the peer and the server are dropped: no answer, nothing shown, no crash",
                  needs: ["accept"],
                  sends: [.connect, .msg], observes: [.accept, .ack]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let start = ctx.trace.now()
            // The dialect's malformed samples, from the peer (and, in the contract's list, a few from the server).
            let items = ctx.dialect.malformedSamples(for: .client(conn: ctx.peerConn, peer: ctx.peerID))
            for item in items where item.sender != .server {
                ctx.peer.send(item.bytes, to: ctx.clientAddress, tag: "malformed: \(item.why)")
                try await ctx.pause(.milliseconds(10))
            }
            for item in items where item.sender == .server {
                ctx.fakeServer.send(item.bytes, to: ctx.clientSource ?? ctx.clientAddress, tag: "malformed: \(item.why)")
            }
            try await ctx.pause(.milliseconds(400))
            try ctx.expectAlive("after malformed datagrams: a malformed datagram must never crash the receiver")
            if let answer = ctx.trace.events.first(where: { $0.kind == .received && $0.node == "peer" && $0.time >= start }) {
                throw CaseStop.fail("expected malformed datagrams to be dropped without an answer; the peer received '\(answer.text)' "
                    + "at t=\(seconds(answer.time))")
            }
            for text in ["lower-case verb", "seq zero", "leading zero", "NUL", "xxxxxxxxxx"] { try ctx.expectShown(text, times: 0, after: start) }
            let real = ctx.trace.now()
            try ctx.fromPeer(.msg(conn: ctx.peerConn, id: ctx.peerID, seq: 1, text: "still listening"))
            try await ctx.expect("\(ctx.quote(.ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1))) for a valid MSG 1 after the garbage", at: ctx.peer, after: real, within: .seconds(2)) {
                ctx.same($0, .ack(conn: ctx.peerConn, id: ctx.clientID, seq: 1))
            }
            try await ctx.expectLine(containing: "still listening", after: real, within: .seconds(2))
        },
    ]

    static let ending: [GradeCase] = [
        GradeCase("C-TERM-INITIATE", .client, section: termination, level: .must,
                  title: "the user's end sends TERMINATE <conn> <own id>; TERMINATED ends it", needs: ["accept", "terminate"],
                  sends: [.connect, .terminated], observes: [.accept, .terminate]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let typed = ctx.trace.now()
            try ctx.type("terminate")
            try await ctx.expect("\(ctx.quote(.terminate(conn: ctx.peerConn, id: ctx.clientID)))", at: ctx.peer, after: typed, within: .seconds(2)) {
                ctx.same($0, .terminate(conn: ctx.peerConn, id: ctx.clientID))
            }
            let answered = ctx.trace.now()
            try ctx.fromPeer(.terminated(conn: ctx.peerConn, id: ctx.peerID))
            try await ctx.expectNone("TERMINATE re-send after TERMINATED", at: ctx.peer, after: answered + .milliseconds(20), for: ctx.rto * 1.3) {
                $0.verb == .terminate
            }
        },
        GradeCase("C-TERM-AFTER-ACKS", .client, section: termination, level: .must,
                  title: "TERMINATE is sent only after all own messages are acknowledged", needs: ["accept", "send", "terminate"],
                  sends: [.connect, .ack, .terminated], observes: [.accept, .msg, .terminate]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let typed = ctx.trace.now()
            try ctx.type("send", text: "ack me before the end")
            let message = try await ctx.expect("\(ctx.quote(.msg(conn: ctx.peerConn, id: ctx.clientID, seq: 1, text: "ack me before the end")))", at: ctx.peer, after: typed, within: .seconds(2)) {
                ctx.same($0, .msg(conn: ctx.peerConn, id: ctx.clientID, seq: 1, text: "ack me before the end"))
            }
            ctx.trace.note("grader withholds the ACK of MSG 1")
            try ctx.type("terminate")
            try await ctx.expectNone("TERMINATE while MSG 1 is unacknowledged", at: ctx.peer, after: typed, for: min(ctx.rto * 0.8, .seconds(2))) {
                $0.verb == .terminate
            }
            let acked = ctx.trace.now()
            try ctx.fromPeer(.ack(conn: ctx.peerConn, id: ctx.peerID, seq: 1))
            _ = message
            try await ctx.expect("\(ctx.quote(.terminate(conn: ctx.peerConn, id: ctx.clientID))) once MSG 1 was acknowledged", at: ctx.peer, after: acked,
                                 within: ctx.rto * 1.2 + .seconds(1)) { ctx.same($0, .terminate(conn: ctx.peerConn, id: ctx.clientID)) }
            try ctx.fromPeer(.terminated(conn: ctx.peerConn, id: ctx.peerID))
        },
        GradeCase("C-TERM-RESEND", .client, section: termination, level: .must,
                  title: "an unanswered TERMINATE is re-sent after one RTO", needs: ["accept", "terminate"],
                  sends: [.connect, .terminated], observes: [.accept, .terminate]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let typed = ctx.trace.now()
            try ctx.type("terminate")
            let first = try await ctx.expect("\(ctx.quote(.terminate(conn: ctx.peerConn, id: ctx.clientID)))", at: ctx.peer, after: typed, within: .seconds(2)) {
                ctx.same($0, .terminate(conn: ctx.peerConn, id: ctx.clientID))
            }
            try await ctx.expectResend(of: first, at: ctx.peer, what: "TERMINATE re-send")
            try ctx.fromPeer(.terminated(conn: ctx.peerConn, id: ctx.peerID))
        },
        GradeCase("C-TERM-RESPOND", .client, section: termination, level: .must,
                  title: "a TERMINATE from the peer is answered TERMINATED <conn> <own id>", needs: ["accept"],
                  sends: [.connect, .terminate], observes: [.accept, .terminated]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let sent = ctx.trace.now()
            try ctx.fromPeer(.terminate(conn: ctx.peerConn, id: ctx.peerID))
            try await ctx.expect("\(ctx.quote(.terminated(conn: ctx.peerConn, id: ctx.clientID)))", at: ctx.peer, after: sent, within: .seconds(2)) {
                ctx.same($0, .terminated(conn: ctx.peerConn, id: ctx.clientID))
            }
        },
        GradeCase("C-TERM-REPEAT", .client, section: termination, level: .must,
                  title: "a repeated TERMINATE for the ended conn gets TERMINATED again", needs: ["accept"],
                  sends: [.connect, .terminate], observes: [.accept, .terminated]) { ctx in
            try await ctx.startClient()
            try await ctx.incomingConnection()
            let sent = ctx.trace.now()
            try ctx.fromPeer(.terminate(conn: ctx.peerConn, id: ctx.peerID))
            let first = try await ctx.expect("\(ctx.quote(.terminated(conn: ctx.peerConn, id: ctx.clientID)))", at: ctx.peer, after: sent, within: .seconds(2)) {
                ctx.same($0, .terminated(conn: ctx.peerConn, id: ctx.clientID))
            }
            try await ctx.pause(.milliseconds(200))
            let again = ctx.trace.now()
            try ctx.fromPeer(.terminate(conn: ctx.peerConn, id: ctx.peerID), tag: "duplicate")
            try await ctx.expect("\(ctx.quote(.terminated(conn: ctx.peerConn, id: ctx.clientID))) again for the repeated TERMINATE", at: ctx.peer,
                                 after: max(again, first.time + .microseconds(100)), within: .seconds(2)) { ctx.same($0, .terminated(conn: ctx.peerConn, id: ctx.clientID)) }
        },
        GradeCase("C-LEAVE", .client, section: leave, level: .must,
                  title: "quit sends LEAVE <id>; the client closes only after LEFT", needs: ["quit"],
                  sends: [.left], observes: [.leave]) { ctx in
            try await ctx.startClient(answerLeave: false)
            try await quit(ctx, dropFirst: false)
        },
        GradeCase("C-LEAVE-RESEND", .client, section: leave, level: .must,
                  title: "an unanswered LEAVE is re-sent after one RTO", needs: ["quit"],
                  sends: [.left], observes: [.leave]) { ctx in
            try await ctx.startClient(answerLeave: false)
            try await quit(ctx, dropFirst: true)
        },
    ]

    static func quit(_ ctx: CaseContext, dropFirst: Bool) async throws {
        let typed = ctx.trace.now()
        try ctx.type("quit")
        var leave = try await ctx.expect("\(ctx.quote(.leave(id: ctx.clientID))) at the server", at: ctx.fakeServer, after: typed, within: .seconds(2)) {
            ctx.same($0, .leave(id: ctx.clientID))
        }
        if dropFirst {
            ctx.trace.note("grader withholds LEFT for the first LEAVE (as if it were lost)")
            leave = try await ctx.expectResend(of: leave, at: ctx.fakeServer, what: "LEAVE re-send")
        } else {
            // The client has this long to close too early. Its socket closing is seen at once; its
            // process's exit is noticed only once its pipes and status are read, late on a loaded machine.
            let why = "before the server acknowledged LEAVE with LEFT: the socket must stay open until LEFT arrives"
            let until = ctx.trace.now() + min(max(.milliseconds(500), ctx.rto * 0.4), .seconds(2))
            let port = Endpoint(parsing: leave.remote ?? "")?.port
            var unbound = 0
            repeat {
                try ctx.expectAlive(why)
                // Twice in a row: the kernel's socket list can skip a row while other sockets come and go.
                unbound = port.map { ctx.socketBound(port: $0) == false ? unbound + 1 : 0 } ?? 0
                if unbound >= 2, let port {
                    throw CaseStop.fail("the client's socket (port \(port)) closed at t=\(seconds(ctx.trace.now())) \(why)")
                }
                try await ctx.pause(.milliseconds(20))
            } while ctx.trace.now() < until
        }
        let source = Endpoint(parsing: leave.remote ?? "") ?? ctx.clientSource ?? ctx.clientAddress
        try ctx.fakeServer.send(.left(id: ctx.clientID), to: source)
        let deadline = ctx.trace.now() + max(.seconds(3), ctx.rto)
        while ctx.process?.exited == nil, ctx.trace.now() < deadline { try await ctx.pause(.milliseconds(20)) }
        if ctx.process?.exited == nil {
            ctx.lenient("the client did not exit within \(formatSeconds(max(.seconds(3), ctx.rto))) after LEFT")
        }
    }
}
