// The steps the W-* cases share: garbage to the server, a chat between two clients typed through
// their input actions, and the leave judged against the server's answer on the wire.
import Foundation
import UDPChatSupport

extension WholeContext {
    /// Sends `WholeGarbage` (and spoiled copies of `observed`, what the submission really sent) to `port`
    /// (the server's; or a client's, `target`) from a grader socket, a few ms apart, and FAILs naming how
    /// far it got when the target (the server, or `target`) exited.
    public func sendGarbage(spoiling observed: [[UInt8]] = [], to target: WholeParty? = nil, port: UInt16? = nil) async throws {
        let sender = try await base.node("garbage")
        wire.ignore(sender.address.port)
        let destination = Endpoint(host: "127.0.0.1", port: port ?? serverPort)
        let hit = target ?? theServer
        let garbage = WholeGarbage.datagrams(dialect: (try? server.dialect()) ?? .default) + WholeGarbage.mutations(of: observed)
        trace.note("sending \(garbage.count) garbage datagrams to \(hit?.name ?? "the server") on port \(destination.port) "
            + "(random bytes, seed \(WholeGarbage.seed); truncated and malformed messages)")
        var sent: [String] = []
        for item in garbage {
            sender.send(item.bytes, to: destination, tag: "garbage")
            sent.append(item.why)
            try await Task.sleep(for: .milliseconds(10))
            if hit?.exited != nil { break }
        }
        try await Task.sleep(for: .milliseconds(300))
        if let hit, let exit = hit.exited {
            throw CaseStop.crashed("\(hit.name == "server" ? "the server" : hit.name) exited (status \(exit.status)) at t=\(seconds(exit.time)) once \(sent.count) "
                + "of \(garbage.count) garbage datagrams had been sent, 10 ms apart (the last: \(sent.last ?? ""))\(stderrTail(hit))")
        }
    }

    /// Waits until `party` printed nothing for `quiet`, up to `within`.
    func waitForConsoleQuiet(_ party: WholeParty, within: Duration) async throws {
        let deadline = trace.now() + within
        while trace.now() < deadline {
            let last = lines(of: party).last?.time ?? .zero
            if trace.now() - last >= Self.quiet { return }
            try await Task.sleep(for: Self.poll)
        }
    }

    /// Waits until the wire as a whole (every datagram the capture saw, the grader's own too) was quiet
    /// for `settled`, up to `within`: a server still busy with earlier joins (pushing tables one client
    /// at a time, re-sending to a stranger) has not told every client about the others yet.
    func waitForWireSettled(within: Duration) async throws {
        let deadline = trace.now() + within
        while trace.now() < deadline {
            if trace.now() - wire.lastActivity >= Self.settled { return }
            try await Task.sleep(for: Self.poll)
        }
    }

    /// Waits until nothing went to or from `party` for `quiet`, up to `within`.
    func waitForWireQuiet(_ party: WholeParty, within: Duration) async throws {
        let deadline = trace.now() + within
        while trace.now() < deadline {
            let last = traffic(of: party).last?.time ?? .zero
            if trace.now() - last >= Self.quiet { return }
            try await Task.sleep(for: Self.poll)
        }
    }
}

extension WholeCases {
    /// `from` connects to `to` (`to` types input.listen first when the manifest has it, a menu's waiting
    /// room; `to` accepts when the manifest has input.accept: after its console showed something, the
    /// prompt whatever it looks like; no connect at all where input.send names the receiver and there is
    /// no input.connect), then types `text`. Returns `to`'s console lines containing the text, one per
    /// showing (a line showing it twice counts twice), watched until it showed once and a while longer
    /// (a second showing is a duplicate). With input.receive, `to`'s user answers each time its console
    /// asks about the incoming message (`firstShowing`, `watchForRepeats`).
    /// `beforeSend` runs once the connection is made, just before the text is typed (W-DEDUP's relay starts there).
    /// `connected`: the two are connected already (a second text in the same chat): no set-up again.
    /// `settling`: how long to wait at most for the whole wire to settle before the text (default: the patience).
    static func chat(_ w: WholeContext, from a: WholeParty, to b: WholeParty, text: String, connected: Bool = false,
                     settling: Duration? = nil, beforeSend: () async throws -> Void = {}) async throws -> [TraceEvent] {
        if connected {
            w.trace.note("\(a.name) and \(b.name) are connected already: the text is typed without a connection set-up")
        } else if w.has("connect") {
            try await w.listen(on: b)
            let connect = w.trace.now()
            try w.type("connect", on: a, peer: b)
            if w.has("accept") {
                guard try await w.waitForLine(of: b, after: connect, within: w.patience) != nil else {
                    throw CaseStop.fail("setup: connect: after \(a.name) typed connect to \(w.clientID(of: b) ?? String(b.id ?? 0)), \(b.name)'s console showed nothing "
                        + "within \(seconds(w.patience)) (no prompt to accept)")
                }
                let accepted = w.trace.now()
                try w.type("accept", on: b, peer: a)
                // Its answer on the wire, then quiet on both sides: a loaded machine may take longer than a
                // quiet spell to act on the typed accept, and a text typed before the answer went out
                // would race the connection (relayed designs send the answer through the server).
                _ = try await w.waitForSent(by: b, after: accepted, within: w.patience)
            }
            _ = try await w.waitForLine(of: a, after: connect, within: w.patience)
        } else {
            w.trace.note("no input.connect: input.send names the receiver, so the text is typed without a connection set-up")
        }
        try await w.waitForWireQuiet(a, within: w.patience)
        try await w.waitForWireQuiet(b, within: w.patience)
        try await w.waitForWireSettled(within: settling ?? w.patience)
        try await beforeSend()
        let typed = w.trace.now()
        try w.type("send", on: a, peer: b, text: text)
        var user = ReceivingUser()
        guard let first = try await firstShowing(w, of: text, on: b, from: a, typed: typed, user: &user) else { return [] }
        try await watchForRepeats(w, on: b, from: a, text: text, after: first.time, user: &user)
        // Once per showing: two threads printing at once can put two showings on one line.
        return w.lines(of: b, after: typed).flatMap { line in Array(repeating: line, count: showings(of: text, in: line.text)) }
    }

    /// How many times `text` occurs in `line`, without overlaps.
    static func showings(of text: String, in line: String) -> Int {
        line.components(separatedBy: text).count - 1
    }

    /// How long W-LEAVE holds the server's answers back at least, whatever the RTO: a client that stops
    /// re-sending its leave after a few tries and closes without the answer (five tries of 0.5 s: 2.5 s,
    /// as the Columbia "UdpChat" submissions do) breaks LEAVE-2 too, and a 2 RTO hold (1 s) never shows it.
    static let leaveHoldFloor: Duration = .seconds(3)

    /// W-LEAVE's judgement: the server's answers are held back (`holdAnswers`), `party` types quit; it must
    /// stay open for 2 RTO (at least `leaveHoldFloor`), then, once the server's answer arrives, close
    /// (LENIENT when it stays open).
    static func judgeLeave(_ w: WholeContext, _ party: WholeParty) async throws {
        party.refreshSockets()
        let watched = party.knowsSockets || party.givenPort != nil ? "its socket (port \(portList(party)))" : "its process (its socket cannot be read)"
        let hold = max(w.rto * 2, leaveHoldFloor)
        let how = try await w.holdAnswers(for: hold)
        let quit = w.trace.now()
        try w.type("quit", on: party)
        if let closed = try await w.waitForClose(of: party, within: hold) {
            w.releaseServer()
            // The capture reaches the trace from its own thread: an answer that came just before the close
            // (the hold ending) may not be in it yet. Its time is the capture's, so waiting loses nothing.
            try await Task.sleep(for: .seconds(1))
            if w.answers(to: party, after: quit).first(where: { $0.time <= closed }) == nil {
                throw CaseStop.fail("\(party.name) closed (\(closing(party))) at t=\(seconds(closed)), \(seconds(closed - quit)) after quit, "
                    + "before any datagram from the server reached it: \(how) for \(seconds(hold)) (2 RTO, at least \(seconds(leaveHoldFloor))) from the quit, "
                    + "and a client closes only after the server answered its leave")
            }
            return
        }
        w.releaseServer()
        let released = w.trace.now()
        guard let answer = try await w.waitForAnswer(to: party, after: quit, within: w.patience) else {
            throw CaseStop.fail("the server never answered \(party.name)'s leave: nothing from port \(w.serverPort) to \(portList(party)) "
                + "within \(seconds(w.patience)) of the end of the hold at t=\(seconds(released)) (\(party.name) rightly stayed open)")
        }
        guard let closed = try await w.waitForClose(of: party, within: max(.seconds(3), w.rto)) else {
            w.base.lenient("\(party.name) was still open \(seconds(max(.seconds(3), w.rto))) after the server's answer at t=\(seconds(answer.time)) (watched: \(watched))")
            return
        }
        w.trace.note("\(party.name) stayed open while \(how), and closed at t=\(seconds(closed)) after the server's answer at t=\(seconds(answer.time))")
    }

    /// How `party` was seen closed: its process exit, or its sockets.
    static func closing(_ party: WholeParty) -> String {
        if let exit = party.exited { return "its process exited with status \(exit.status)" }
        return "its socket on port \(portList(party)) closed while the process still runs"
    }
}
