// The whole-submission cases about the server's table of clients beyond the join itself: a join repeated
// because its answer was lost (W-JOIN-REPEAT), and a leave for a joined client sent from a stranger's
// socket (W-LEAVE-STRANGER). Judged with no wire format: the answers compared as bytes (numbers and
// random tokens aside), and whether the client still gets a text (docs/GRADER.md "Whole submissions").
import UDPChatSupport

extension WholeCases {
    static let registration: [GradeCase] = [joinRepeat, leaveStranger, lookupStranger, portGiven]

    static let joinRepeat = whole("W-JOIN-REPEAT", judges: [.server, .client], slack: .seconds(20), title: "the server's first answer to a join is lost: the client sends its join again, the server answers the repeat as it answers a join, and the client stays joined (assignment item 2)") { w in
        // A first session shows what a lone join is answered with; the second, the same join (same id,
        // same port, a fresh server) with the server's first answer lost.
        let first = try await joined(w, 1)[0]
        let usual = w.answers(to: first)
        try await w.restartServer()
        // From here on: what the first session's client sent while it was being stopped (a leave on end of
        // input, from the same port) is not the second session's join.
        let restarted = w.trace.now()
        let relay = WholeRelay(rules: ["drop dir=down nth=1"], why: "the server's first datagram to the client (its answer to the join) is lost")
        try await w.impair(with: relay)
        let party = try await w.startClient(withID: first.id ?? WholeContext.firstClientID, port: first.givenPort)
        guard let lost = try await waitForLoss(w, relay, within: w.patience + CaseContext.startup) else { throw joinFailed(w, party) }
        let join = try await lostJoin(w, party, answer: lost, since: restarted)
        let shown = "'\(escapeDatagram(join.payload).prefix(60))'"
        guard let again = try await waitForCopyThrough(w, of: join, from: party, after: lost.time, within: w.rto * 2 + w.patience) else {
            try w.expectAlive(party, "after the server's answer to its join was lost")
            throw CaseStop.fail("the server's answer to \(party.name)'s join \(shown), '\(escapeDatagram(lost.payload).prefix(60))', was lost at t=\(seconds(lost.time)), "
                + "and \(party.name) never sent its join again by t=\(seconds(w.trace.now())) (RTO \(seconds(w.rto))): a request is re-sent until answered")
        }
        guard try await w.waitForAnswer(to: party, after: again, within: w.patience) != nil else {
            throw CaseStop.fail("\(party.name) sent its join \(shown) again at t=\(seconds(again)) after the server's answer was lost, and the server never answered "
                + "the repeat (nothing from port \(w.serverPort) to \(portList(party)) within \(seconds(w.patience))): a repeated request gets the same answer again")
        }
        try await w.settle(party, within: w.patience)
        try judgeRepeatAnswers(w, party, usual: usual + [lost] + w.answers(to: party, after: restarted).filter { $0.time < again },
                               again: again, join: shown, lost: lost)
        try w.expectAlive(party, "after its repeated join was answered")
        guard w.canChat else {
            w.trace.note("judged on the answers: no chat can be typed")
            return
        }
        let other = try await w.startClients(1)[0]
        guard try await w.settle(other, within: w.patience) else { throw joinFailed(w, other) }
        let text = "after a repeated join \(party.id ?? 0)"
        if w.clientID(of: party) != nil, try await chat(w, from: other, to: party, text: text).isEmpty {
            throw CaseStop.fail("after its repeated join was answered, the text '\(text)' typed on \(other.name) never appeared on \(party.name)'s console "
                + "within \(seconds(w.patience)): the repeat undid the join")
        }
    }

    /// W-JOIN-REPEAT: the join whose answer (`answer`) the relay dropped — the first datagram from `party` to the
    /// server since `since`, or from the port the answer went to (a client whose socket was not read yet);
    /// the capture reaches the trace from its own thread, so it is waited for. ERROR, with what was seen, when none.
    /// The relay stamps its drop and the capture its datagrams, each by its own clock reading: the join may be
    /// stamped a few ms after the answer it got (`stampSkew` of slack).
    static func lostJoin(_ w: WholeContext, _ party: WholeParty, answer lost: WireDatagram, since: Duration) async throws -> WireDatagram {
        let limit = lost.time + stampSkew
        let join = try await waitForRequest(w, from: party, after: since, before: limit)
            ?? w.wire.datagrams.last { $0.time >= since && $0.time <= limit && $0.source == lost.destination && $0.destination == w.serverPort }
        guard let join else {
            let toServer = w.wire.datagrams.filter { $0.time >= since && $0.destination == w.serverPort }
                .prefix(3).map { "t=\(seconds($0.time)) from \($0.source)" }.joined(separator: ", ")
            throw CaseStop.error("the server's first datagram, to port \(lost.destination) at t=\(seconds(lost.time)), was lost, but no datagram from that port or "
                + "\(party.name)'s (\(portList(party))) to the server was seen before it (to the server since the restart: \(toServer.isEmpty ? "none" : toServer))")
        }
        party.attribute(port: join.source)
        return join
    }

    /// How far apart the relay's and the capture's stamps of one moment may be (seen: 1 ms under load).
    static let stampSkew: Duration = .milliseconds(50)

    /// W-JOIN-REPEAT: FAIL when a datagram the server sent `party` from its repeated join on (`again`) has a shape
    /// (`answerShape`) no join got otherwise (`usual`: the loss-free session's, the lost one, those before the repeat).
    static func judgeRepeatAnswers(_ w: WholeContext, _ party: WholeParty, usual: [WireDatagram], again: Duration, join shown: String,
                                   lost: WireDatagram) throws {
        let shapes = Set(usual.map { answerShape($0.payload) })
        guard let odd = w.answers(to: party, after: again).first(where: { !shapes.contains(answerShape($0.payload)) }) else { return }
        throw CaseStop.fail("the server answered \(party.name)'s repeated join \(shown) with '\(escapeDatagram(odd.payload).prefix(100))' at t=\(seconds(odd.time)), "
            + "which the same join from the same port did not get in a session without the loss (the lost answer was '\(escapeDatagram(lost.payload).prefix(60))'): "
            + "a repeat from the same socket is the same request, and gets the same answer")
    }

    /// A payload with what differs from one answer to the next blurred: each run of 8 or more hex digits
    /// and dashes holding a digit (a UUID, a hash, a date) and each run of digits becomes one `#`.
    static func answerShape(_ payload: [UInt8]) -> [UInt8] {
        func isHex(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46) || byte == 0x2D
        }
        var out: [UInt8] = []
        var index = 0
        while index < payload.count {
            var end = index
            while end < payload.count, isHex(payload[end]) { end += 1 }
            let run = payload[index..<end]
            if run.count >= 8, run.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) {
                out.append(0x23)
                index = end
            } else if end > index {
                out += run
                index = end
            } else {
                out.append(payload[index])
                index += 1
            }
        }
        return digitsMasked(out)
    }

    static let leaveStranger = whole("W-LEAVE-STRANGER", judges: [.server], slack: .seconds(20), title: "a client's own leave datagram, sent from a stranger's socket while that client is joined, removes nothing: the client still gets a text (assignment item 6)",
                                     needs: ["quit", "send"]) { w in
        try w.requireChat()
        let assigned = !(w.client.uses("id") || (w.client.input["start"]?.contains("{id}") ?? false))
        let (first, leave, firstID) = try await learnLeave(w)
        try await w.restartServer()
        // The owner joins first, alone: where the server assigns the ids, a fresh server gives it the same one.
        let owner = try await w.startClient(withID: first.id ?? WholeContext.firstClientID)
        guard try await w.settle(owner, within: w.patience) else { throw joinFailed(w, owner) }
        if assigned, firstID == nil || firstID != w.clientID(of: owner) {
            throw CaseStop.unsupported("the server assigns the ids, and the first client of a fresh server did not get the id the learned leave names "
                + "(\(firstID ?? "unknown"), then \(w.clientID(of: owner) ?? "unknown"))")
        }
        // `other` chats before the stranger's leave, and `third` after it where chat needs a connection (a fresh
        // one: no answer remembered from the first); without connections `other` again (two clients, no more).
        let others = try await w.startClients(w.has("connect") ? 2 : 1)
        let (other, third) = (others[0], others.last!)
        for party in others where !(try await w.settle(party, within: w.patience)) { throw joinFailed(w, party) }
        // The same chat before the stranger's leave, where a text after it sets up anew (a design without a
        // connection, or one that can end it): a FAIL afterwards is then the leave's doing.
        let control = !w.has("connect") || w.has("terminate")
        if control { try await controlChat(w, from: other, to: owner) }
        let stranger = try await w.base.node("stranger")
        w.wire.ignore(stranger.address.port)
        let shown = "'\(escapeDatagram(leave.payload).prefix(60))'"
        stranger.send(leave.payload, to: Endpoint(host: "127.0.0.1", port: w.serverPort), tag: "\(first.name)'s leave, from a stranger")
        w.trace.note("a stranger's socket (port \(stranger.address.port)) sent the server \(shown), the leave \(first.name) sent for id \(w.clientID(of: owner) ?? "?"), "
            + "while \(owner.name) holds that id from port \(portList(owner))")
        try await Task.sleep(for: .milliseconds(300))
        try w.expectAlive(w.theServer!, "after a stranger sent it a leave")
        let after = "after a stranger's leave \(w.clientID(of: owner) ?? "")"
        let why = "after a stranger's socket (port \(stranger.address.port)) sent \(shown), the leave of id \(w.clientID(of: owner) ?? "?")"
        let blame = "\(control ? " (the same chat from \(other.name) before it did)" : ""): the stranger's leave removed \(owner.name), and only the owner of an id may leave"
        do {
            if try await chat(w, from: third, to: owner, text: after).isEmpty {
                throw CaseStop.fail("\(why), the text '\(after)' typed on \(third.name) never appeared on \(owner.name)'s console\(blame)"
                    + said(w, third, since: typedAt(w, third, after)))
            }
        } catch let stop as CaseStop where stop.verdict == .fail && stop.reason.hasPrefix("setup: ") {
            throw CaseStop.fail("\(why), \(stop.reason.dropFirst("setup: ".count))\(blame)")
        }
        try w.expectAlive(owner, "after a stranger sent its leave")
    }

    /// W-LEAVE-STRANGER's first session: the server up, one client joined and quit; returns it, the first datagram
    /// it sent the server after quit (its leave), and its id. UNSUPPORTED when it sent nothing.
    static func learnLeave(_ w: WholeContext) async throws -> (WholeParty, WireDatagram, String?) {
        let first = try await joined(w, 1)[0]
        let quit = w.trace.now()
        try w.type("quit", on: first)
        guard let leave = try await waitForRequest(w, from: first, after: quit) else {
            throw CaseStop.unsupported("after quit, \(first.name) sent nothing to the server within \(seconds(w.patience)): no leave to send from a stranger")
        }
        _ = try await w.waitForAnswer(to: first, after: leave.time, within: w.patience)
        return (first, leave, w.clientID(of: first))
    }

    /// W-LEAVE-STRANGER's control: a text from `other` reaches `owner` before the stranger's leave (then the
    /// connection, if any, is ended so that a third client can connect).
    static func controlChat(_ w: WholeContext, from other: WholeParty, to owner: WholeParty) async throws {
        let before = "before a stranger's leave \(w.clientID(of: owner) ?? "")"
        guard try await !chat(w, from: other, to: owner, text: before).isEmpty else {
            throw CaseStop.fail("setup: chat: the text '\(before)' typed on \(other.name) never appeared on \(owner.name)'s console within \(seconds(w.patience))")
        }
        if w.has("connect") {
            try w.type("terminate", on: other, peer: owner)
            try await w.waitForWireSettled(within: w.patience)
        }
    }

    /// The first datagram `party` sent to the server after `after` (and no later than `before`), up to the patience.
    static func waitForRequest(_ w: WholeContext, from party: WholeParty, after: Duration, before: Duration? = nil) async throws -> WireDatagram? {
        let server = w.serverPort
        return try await w.waitForWire(within: w.patience, refreshing: party) { datagrams in
            let ports = party.ports
            return datagrams.first { datagram in
                datagram.time >= after && ports.contains(datagram.source) && datagram.destination == server && before.map { datagram.time <= $0 } ?? true
            }
        }
    }
}
