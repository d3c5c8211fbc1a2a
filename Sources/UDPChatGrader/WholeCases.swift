// The whole-submission catalogue (W-*): the submission's own server and clients run together, judged
// from what the harness types and sees — consoles, datagrams on the wire, sockets, processes — with no
// wire format (docs/GRADER.md "Whole submissions"). Rule ids: UDPChatReports' ProtocolRules.behavioural.
import UDPChatIUT
import UDPChatSupport

enum WholeCases {
    static let section = "Whole submission"

    static let all: [GradeCase] = [garbage, garbageClient, table, concurrent, chat, ackNames, leave] + impaired + registration

    /// A W-* case: its body gets the whole context.
    /// `slack`: time beyond the usual case timeout (several sessions, or a server slow to settle). Every
    /// whole case also gets the start-up grace on top (`CaseContext.startup`): starting is not judged, and
    /// JVMs on a loaded machine take most of it.
    /// `judges`: the roles whose behaviour the case judges (both when it judges what they do together).
    static func whole(_ id: String, judges: Set<IUTRole>, slack: Duration = .zero, level: Level = .must, title: String, needs: [String] = [],
                      body: @Sendable @escaping (WholeContext) async throws -> Void) -> GradeCase {
        var item = GradeCase(id, .whole, section: section, level: level, title: title, needs: needs) { context in
            guard let whole = context.whole else { throw CaseStop.error("\(id) needs a whole submission (a server and a client manifest)") }
            try await body(whole)
        }
        item.slack = CaseContext.startup + slack
        item.judges = judges
        return item
    }

    static let garbage = whole("W-GARBAGE", judges: [.server], slack: .seconds(20), title: "the server survives random and truncated datagrams; then two clients join and chat as usual (assignment item 1)") { w in
        // A scout joins first: its own datagrams, spoiled, are garbage in the submission's own format.
        let scout = try await joined(w, 1)[0]
        let observed = w.wire.between(scout.ports, [w.serverPort]).map(\.payload)
        try await w.sendGarbage(spoiling: observed.reduce(into: []) { if !$0.contains($1) { $0.append($1) } })
        let pair = try await w.startClients(2)
        for party in pair where !(try await w.settle(party, within: w.patience)) {
            try w.expectAlive(w.theServer!, "after the garbage, while \(party.name) was joining")
            throw CaseStop.fail("after the garbage, \(party.name) got no answer from the server within \(seconds(w.patience)) "
                + "(nothing from port \(w.serverPort) to \(portList(party)))")
        }
        if w.canChat, w.clientID(of: pair[1]) != nil {
            let text = "after garbage \(pair[1].id ?? 0)"
            // A spoiled join may be a valid one from a socket that never answers: a server re-sending to it
            // before it serves the next client is slow, not broken, so the wire may take a while to settle.
            let shown = try await chat(w, from: pair[0], to: pair[1], text: text, settling: w.patience * 4)
            if shown.isEmpty {
                throw CaseStop.fail("after the garbage, the text '\(text)' typed on \(pair[0].name) never appeared on \(pair[1].name)'s console"
                    + said(w, pair[0], since: typedAt(w, pair[0], text)))
            }
        } else {
            w.trace.note("judged on the joins: no chat (no chat can be typed: no input.send, or neither input.connect nor {peer} in it; or \(pair[1].name)'s id cannot be told)")
        }
        try w.expectAlive(w.theServer!, "at the end of the session after the garbage")
    }

    static let garbageClient = whole("W-GARBAGE-CLIENT", judges: [.client], title: "a joined client survives random and truncated datagrams sent to its socket, then shows a text from another client as usual (assignment item 4)") { w in
        let pair = try await joined(w, 2)
        let target = pair[1]
        guard let port = w.answers(to: target).first?.destination ?? target.givenPort ?? target.ports.sorted().first else { throw unknownPort(target) }
        // What reached it, spoiled, is garbage in the submission's own format.
        let observed = w.wire.between(pair[0].ports.union([w.serverPort]), target.ports).map(\.payload)
        let garbage = w.trace.now()
        try await w.sendGarbage(spoiling: observed.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }, to: target, port: port)
        if w.canChat, w.clientID(of: target) != nil {
            let text = "after garbage to \(target.name) \(target.id ?? 0)"
            let why = "after the garbage to \(target.name)'s port \(port)"
            do {
                if try await chat(w, from: pair[0], to: target, text: text).isEmpty {
                    try w.expectAlive(target, "after the garbage, before the text")
                    throw CaseStop.fail("\(why), the text '\(text)' typed on \(pair[0].name) never appeared on its console" + said(w, target, since: garbage))
                }
            } catch let stop as CaseStop where stop.verdict == .fail && stop.reason.hasPrefix("setup: ") {
                try w.expectAlive(target, "after the garbage, before the text")
                throw CaseStop.fail("\(why), \(stop.reason.dropFirst("setup: ".count))" + said(w, target, since: garbage)
                    + ": a datagram that is not a message changes nothing")
            }
        } else {
            w.trace.note("judged on \(target.name) staying alive: no chat can be typed, or its id cannot be told")
        }
        try w.expectAlive(target, "at the end of the session after the garbage")
    }

    static let table = whole("W-TABLE", judges: [.server], title: "the server's console shows the table of active clients: after a second client joins it names both ports, after that one leaves the first one's (assignment item 2)") { w in
        try await w.startServer()
        try w.requireWire()
        let first = try await tableJoin(w, earlier: [])
        let second = try await tableJoin(w, earlier: [first])
        guard w.has("quit") else {
            w.base.lenient("only the joins were judged: the client manifest has no input.quit")
            return
        }
        try await tableLeave(w, second, staying: first)
    }

    /// Whether `line` names one of `party`'s ports.
    static func names(_ party: WholeParty) -> (String) -> Bool {
        let ports = party.ports
        return { line in ports.contains { WholeContext.names(line, port: $0) } }
    }

    /// W-TABLE's join: one more client joins; the server's console since the join must name its port
    /// and the port of every client that joined before it and is still there (a table, not the newcomer).
    static func tableJoin(_ w: WholeContext, earlier: [WholeParty]) async throws -> WholeParty {
        let joined = w.trace.now()
        let party = try await w.startClients(1)[0]
        guard try await w.settle(party, within: w.patience) else { throw joinFailed(w, party) }
        guard !party.ports.isEmpty else { throw CaseStop.unsupported("\(party.name)'s port cannot be told: the command has no {port} and its sockets cannot be read") }
        guard let shown = try await w.waitForLine(of: w.theServer!, after: joined, within: .seconds(1), where: names(party)) else {
            let printed = w.lines(of: w.theServer!, after: joined).suffix(3).map { "'\($0.text)'" }
            throw CaseStop.fail("the server printed no table: after \(party.name) joined from port \(portList(party)), its console named "
                + "none of them (since the join it printed \(printed.isEmpty ? "nothing" : printed.joined(separator: ", ")))")
        }
        try await w.waitForConsoleQuiet(w.theServer!, within: .seconds(2))
        let lines = w.lines(of: w.theServer!, after: joined)
        for other in earlier where !lines.contains(where: { names(other)($0.text) }) {
            throw CaseStop.fail("after \(party.name) joined, the server's console named its port ('\(shown.text)') but not \(other.name)'s "
                + "(port \(portList(other))), which is still active: it shows the newcomer, not the table of active clients")
        }
        w.trace.note("the server's console named \(([party] + earlier).map(\.name).joined(separator: " and "))'s ports after \(party.name) joined: '\(shown.text)'")
        return party
    }

    /// W-TABLE's leave: `party` quits; the server prints something, its last line no longer names
    /// `party`'s port, and what it printed since names `staying`'s (the table of those left).
    static func tableLeave(_ w: WholeContext, _ party: WholeParty, staying: WholeParty) async throws {
        let quit = w.trace.now()
        try w.type("quit", on: party)
        _ = try await w.waitForClose(of: party, within: w.patience)
        // Its first line since the quit, then quiet: a loaded machine may print the new table well
        // after the client has closed, and quiet alone would be measured from the join's table.
        _ = try await w.waitForLine(of: w.theServer!, after: quit, within: w.patience) { _ in true }
        try await w.waitForConsoleQuiet(w.theServer!, within: .seconds(2))
        let after = w.lines(of: w.theServer!, after: quit)
        guard let last = after.last else {
            throw CaseStop.fail("no table after the leave: \(party.name) quit at t=\(seconds(quit)) and the server printed nothing since")
        }
        if names(party)(last.text) {
            throw CaseStop.fail("after \(party.name) left, the server's last line still names its port: '\(last.text)' at t=\(seconds(last.time))")
        }
        if !after.contains(where: { names(staying)($0.text) }) {
            throw CaseStop.fail("after \(party.name) left, the server printed no table of the clients left: nothing since the quit names "
                + "\(staying.name)'s port \(portList(staying)) (it printed \(after.suffix(3).map { "'\($0.text)'" }.joined(separator: ", ")))")
        }
    }

    /// How many clients W-CONCURRENT starts at once: more than the 4 a server with a fixed table of four
    /// (the assignment's original) can take.
    static let concurrency = 5

    static let concurrent = whole("W-CONCURRENT", judges: [.server], title: "\(concurrency) clients started at once each get an answer from the server, the same kind of answer, and none exits (assignment item 1)") { w in
        try await w.startServer()
        try w.requireWire()
        let parties = try await w.startClients(concurrency)
        let when = "while \(concurrency) clients were joining at once"
        var unanswered: [String] = []
        for party in parties where try await w.waitForAnswer(to: party, within: w.patience) == nil {
            if party.ports.isEmpty { throw CaseStop.unsupported("\(party.name)'s port cannot be told: the command has no {port} and its sockets cannot be read") }
            unanswered.append("\(party.name) (port \(portList(party)))")
        }
        try await Task.sleep(for: WholeContext.quiet)
        for party in parties { try w.expectAlive(party, when) }
        try w.expectAlive(w.theServer!, when)
        if !unanswered.isEmpty {
            throw CaseStop.fail("of \(concurrency) clients started at once, \(unanswered.count) got no datagram from the server's port \(w.serverPort) "
                + "within \(seconds(w.patience)): \(unanswered.joined(separator: ", "))")
        }
        try judgeAlike(w, parties)
    }

    /// W-CONCURRENT: every client's first answer has the same shape (`answerShape`: numbers, UUIDs, dates
    /// blurred); FAIL naming those whose answer differs from the most common one (a refusal: "server full").
    static func judgeAlike(_ w: WholeContext, _ parties: [WholeParty]) throws {
        let firsts = parties.compactMap { party in w.answers(to: party).first.map { (party, $0) } }
        let groups = Dictionary(grouping: firsts) { answerShape($0.1.payload) }
        guard groups.count > 1, let usual = groups.values.max(by: { $0.count < $1.count }) else { return }
        let shape = answerShape(usual[0].1.payload)
        let odd = firsts.filter { answerShape($0.1.payload) != shape }
        let named = odd.map { "\($0.0.name) '\(escapeDatagram($0.1.payload).prefix(60))'" }.joined(separator: ", ")
        throw CaseStop.fail("of \(concurrency) clients started at once, \(odd.count) got another first answer than the other \(usual.count) "
            + "('\(escapeDatagram(usual[0].1.payload).prefix(60))', numbers aside): \(named); a server serving many clients answers each join alike")
    }

    static let chat = whole("W-CHAT", judges: [.server, .client], title: "a text typed on one client appears exactly once on the other's console, direct or relayed (assignment item 4)",
                            needs: ["send"]) { w in
        try w.requireChat()
        let pair = try await joined(w, 2)
        let text = "whole chat \(pair[0].id ?? 0) to \(pair[1].id ?? 0)"
        let shown = try await chat(w, from: pair[0], to: pair[1], text: text)
        if shown.isEmpty {
            throw CaseStop.fail("the text '\(text)' typed on \(pair[0].name) never appeared on \(pair[1].name)'s console within \(seconds(w.patience))")
        }
        if shown.count > 1 {
            let times = shown.map { "t=\(seconds($0.time))" }.joined(separator: ", ")
            throw CaseStop.fail("the text '\(text)' typed once on \(pair[0].name) appeared \(shown.count) times on \(pair[1].name)'s console (\(times))")
        }
    }

    static let leave = whole("W-LEAVE", judges: [.client], title: "after quit the client closes only once the server answered its leave; the server's answers held back 2 RTO (at least 3 s) first (assignment item 6)",
                             needs: ["quit"]) { w in
        try await judgeLeave(w, try await joined(w, 1)[0])
    }

    /// The submission's server up and `count` of its clients joined (each answered, then quiet): the
    /// start of most W cases (two for a chat, one for a leave).
    static func joined(_ w: WholeContext, _ count: Int) async throws -> [WholeParty] {
        try await w.startServer()
        try w.requireWire()
        let parties = try await w.startClients(count)
        for party in parties where !(try await w.settle(party, within: w.patience)) { throw joinFailed(w, party) }
        return parties
    }

    /// When `party`'s stdin got the line carrying `text` (zero when not seen).
    static func typedAt(_ w: WholeContext, _ party: WholeParty, _ text: String) -> Duration {
        w.trace.events.last { $0.kind == .stdin && $0.node == party.name && $0.text.contains(text) }?.time ?? .zero
    }

    /// What `party` printed since `since`, its last three lines, for a verdict (empty when nothing).
    static func said(_ w: WholeContext, _ party: WholeParty, since: Duration) -> String {
        let printed = w.lines(of: party, after: since).map(\.text).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.suffix(3)
        return printed.isEmpty ? "" : " (\(party.name) printed since: \(printed.map { "'\($0.prefix(80))'" }.joined(separator: ", ")))"
    }

    static func joinFailed(_ w: WholeContext, _ party: WholeParty) -> CaseStop {
        .fail("setup: join: \(party.name) got no answer from the server within \(seconds(w.patience)) (nothing from port \(w.serverPort) to \(portList(party)))"
            + "; \(whatWasSeen(w, party))")
    }

    /// What the harness saw of `party` when its join went unanswered: whether it still runs, what it
    /// sent, and how much the wire carried at all (a party that never sent and a wire that saw nothing
    /// are different failures).
    static func whatWasSeen(_ w: WholeContext, _ party: WholeParty) -> String {
        let process = party.exited.map { "it exited with status \($0.status) at t=\(seconds($0.time))\(w.stderrTail(party))" } ?? "it still runs"
        let ports = party.ports
        let sent = w.wire.datagrams.filter { ports.contains($0.source) }.count
        let sockets = party.knowsSockets ? "its sockets were read" : "its sockets could not be read from /proc"
        return "\(process), \(sockets), it sent \(sent) datagram\(sent == 1 ? "" : "s") the wire saw, and the wire saw \(w.wire.datagrams.count) in all"
            + (w.wire.failure.map { " (\($0))" } ?? "")
    }

    static func portList(_ party: WholeParty) -> String {
        let ports = party.ports.sorted()
        return ports.isEmpty ? "its unknown port" : ports.map(String.init).joined(separator: "/")
    }
}
