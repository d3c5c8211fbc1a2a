// The user at a menu console, as the whole-case chat needs one: `input.listen` typed on the callee before
// a connect (the assignment's original: "0", its waiting room, the only place a relayed connection request
// is seen), and `input.receive` typed on the receiver each time its console asks about an incoming message
// (the original: "1" at `Response> `, before the server hands the message over). Both optional: without
// them nothing is typed and the text is only watched for (docs/GRADER.md "The manifest").
import UDPChatSupport

extension WholeContext {
    /// Types `input.listen` on `party` (the callee, before the caller's connect) when the manifest has it,
    /// then waits until its console showed something (its waiting prompt) and it went quiet.
    func listen(on party: WholeParty) async throws {
        guard has("listen") else { return }
        let typed = trace.now()
        try type("listen", on: party)
        guard try await waitForLine(of: party, after: typed, within: patience) != nil else {
            throw CaseStop.fail("setup: listen: after listen was typed on \(party.name), its console showed nothing within \(seconds(patience))")
        }
        try await waitForConsoleQuiet(party, within: patience)
        try await waitForWireQuiet(party, within: patience)
    }

    /// Waits up to `within` for a datagram to `party`'s ports after `after` (from the server or a peer); nil when none came.
    func waitForDatagram(to party: WholeParty, after: Duration, within: Duration) async throws -> WireDatagram? {
        try await waitForWire(within: within) { datagrams in
            let ports = party.ports
            return datagrams.first { $0.time >= after && ports.contains($0.destination) }
        }
    }
}

/// What the receiving user was asked and how often it answered, for one text.
struct ReceivingUser {
    /// How many times `input.receive` is typed at most for one text: its first asking, the console asking
    /// again (a copy re-sent, or doubled), and more.
    static let bound = 4
    /// The non-blank lines the receiver's console showed when it first asked (`receive` was typed after them).
    var asking: Set<String> = []
    /// How long before a datagram's capture time a console line about it may be stamped (`asked`).
    static let stampSlack: Duration = .milliseconds(300)
    /// How many times `receive` was typed.
    var typed = 0
    /// How long the receiver is watched after the text first showed (a second showing is a duplicate).
    static func watch(_ w: WholeContext) -> Duration { min(max(.seconds(1), w.rto), .seconds(3)) }

    static func blank(_ line: String) -> Bool { line.trimmingCharacters(in: .whitespaces).isEmpty }

    /// Types `input.receive` on `b` (`{peer}`: the sender, when its id can be told; `{text}`: the text).
    mutating func answer(_ w: WholeContext, on b: WholeParty, from a: WholeParty, text: String) throws {
        typed += 1
        try w.type("receive", on: b, peer: w.clientID(of: a) == nil ? nil : a, text: text)
    }
}

extension WholeCases {
    /// The first line of `b`'s console since `typed` showing `text`, up to the patience (nil: never). With
    /// `input.receive`, `b`'s user answers what it is asked: each time a datagram reached `b` and its console
    /// then showed something without the text and went quiet (`asked`), `receive` is typed (at most
    /// `ReceivingUser.bound` times; the patience runs again from each). Without it the text is only waited for.
    static func firstShowing(_ w: WholeContext, of text: String, on b: WholeParty, from a: WholeParty, typed: Duration,
                             user: inout ReceivingUser) async throws -> TraceEvent? {
        let shows: (String) -> Bool = { $0.contains(text) }
        guard w.has("receive") else { return try await w.waitForLine(of: b, after: typed, within: w.patience, where: shows) }
        let shown = { w.lines(of: b, after: typed).first { shows($0.text) } }
        var since = typed
        while user.typed < ReceivingUser.bound {
            if let line = shown() { return line }
            guard let asking = try await asked(w, b, since: since) else { return shown() }
            if let line = shown() { return line }
            if user.typed == 0 { user.asking = Set(w.lines(of: b, after: asking).map(\.text).filter { !ReceivingUser.blank($0) }) }
            since = w.trace.now()
            try user.answer(w, on: b, from: a, text: text)
        }
        return try await w.waitForLine(of: b, after: typed, within: w.patience, where: shows)
    }

    /// When `b` was asked about something that reached it since `since`: a datagram to its ports (when they
    /// are known; a menu program may print between the text and the message, its chat screen, and is not
    /// asked then), then a console line that is not blank, then quiet. Nil when nothing came within the patience.
    /// A line counts from `stampSlack` before the datagram: the capture's time and the console's are taken
    /// apart, and a line printed as the datagram arrived was once stamped a fraction of a millisecond before it.
    static func asked(_ w: WholeContext, _ b: WholeParty, since: Duration) async throws -> Duration? {
        var from = since
        if !b.ports.isEmpty {
            guard let reached = try await w.waitForDatagram(to: b, after: since, within: w.patience) else { return nil }
            from = max(since, reached.time - ReceivingUser.stampSlack)
        }
        guard let line = try await w.waitForLine(of: b, after: from, within: w.patience, where: { !ReceivingUser.blank($0) }) else { return nil }
        try await w.waitForConsoleQuiet(b, within: w.patience)
        return min(from, line.time)
    }

    /// Watches `b`'s console for `ReceivingUser.watch` after the text first showed (at `from`). With
    /// `input.receive`, when the console shows again a line it showed when it first asked (a repeat asked
    /// about again), waits until it is quiet, types `receive` again (within the bound) and watches that long again.
    static func watchForRepeats(_ w: WholeContext, on b: WholeParty, from a: WholeParty, text: String, after from: Duration,
                                user: inout ReceivingUser) async throws {
        var deadline = w.trace.now() + ReceivingUser.watch(w)
        var since = from
        while w.trace.now() < deadline {
            if user.typed > 0, user.typed < ReceivingUser.bound, w.lines(of: b, after: since).contains(where: { user.asking.contains($0.text) }) {
                try await w.waitForConsoleQuiet(b, within: w.patience)
                since = w.trace.now()
                try user.answer(w, on: b, from: a, text: text)
                w.trace.note("\(b.name)'s console asked again about an incoming message: receive typed again (\(user.typed) of at most \(ReceivingUser.bound))")
                deadline = w.trace.now() + ReceivingUser.watch(w)
            }
            try await Task.sleep(for: WholeContext.poll)
        }
    }
}
