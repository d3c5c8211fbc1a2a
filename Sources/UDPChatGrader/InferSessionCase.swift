// The normal session `udpchat dialect infer MANIFEST…` drives (docs/DIALECTS.md "Inferring a dialect"):
// the submission's own server and two of its clients, typed to through the client manifest's input
// actions with values the harness chose, run like a W-* case (WholeContext: the case's sandbox, the
// wire captured there, the grader's one process launcher). Nothing is judged: the trace it leaves —
// datagrams, consoles, the values used — is what LiveInference hands to DialectInference.
import Foundation
import UDPChatSupport
import UDPChatWire

/// The values a driven session used: the ids the two clients went by (the harness's `{id}`, or the
/// server's when it assigns them) and the one looked up and found inactive, their ports, the texts typed.
public struct InferSessionValues: Sendable, Codable, Equatable {
    public var server: UInt16
    public var ids: [ClientID] = []
    public var ports: [UInt16] = []
    public var texts: [String] = []
}

enum InferSessionCase {
    static let id = "INFER-SESSION"
    /// An id no client has: client-1 connects to it first (LOOKUP answered INACTIVE).
    static let inactiveID: ClientID = 29
    /// Typed as chat: two lines on client-1, one back on client-2.
    static let texts = ["hello", "how are you", "fine, you?"]
    /// Trace notes: the session's steps (progress lines), and its values (JSON, the last one counts).
    static let stepTag = "infer-step", valuesTag = "infer-values"

    /// Beyond a case's 8 RTO + 20 s: a dozen steps of a few seconds each when a program is slow.
    static let slack: Duration = .seconds(40)

    static let item: GradeCase = {
        var item = GradeCase(id, .whole, section: "dialect infer", level: .info,
                             title: "a normal session of the submission, driven for `udpchat dialect infer`") { context in
            guard let w = context.whole else { throw CaseStop.error("\(id) needs a whole submission (a server and a client manifest)") }
            try await drive(w)
        }
        item.slack = slack
        return item
    }()

    /// Server up, two clients join, client-1 looks up an id nobody has; client-2 connects to client-1,
    /// which refuses (when the manifest has input.reject: the other way round, so that client-1's own
    /// CONNECT is not the same bytes again, which a client may take for a re-send and answer as before);
    /// client-1 connects to client-2, which accepts; both chat, client-1 ends, both quit.
    static func drive(_ w: WholeContext) async throws {
        w.captureAll = true
        try await w.startServer()
        try w.requireWire()
        step(w, "server up: it holds UDP port \(w.serverPort)")
        let first = WholeContext.firstClientID
        var values = InferSessionValues(server: w.serverPort, ids: [first, first + 1, inactiveID])
        record(values, in: w)
        let a = try await join(w), b = try await join(w)
        guard let idA = w.clientID(of: a), let idB = w.clientID(of: b) else {
            throw CaseStop.unsupported("the clients' ids cannot be told (the client command has no {id}, and neither the server's "
                + "first answer nor the console names one number): only the joins were driven")
        }
        values.ids = [idA, idB].compactMap { ClientID($0) } + [inactiveID]
        values.ports = Array(a.ports.union(b.ports)).sorted()
        record(values, in: w)
        try await act(w, "connect", on: a, peer: String(inactiveID), shownOn: a,
                      "\(a.name) connects to \(inactiveID), an id nobody has (LOOKUP, INACTIVE)")
        if w.has("reject") { try await connect(w, b, to: a, peer: idA, answer: "reject") }
        try await connect(w, a, to: b, peer: idB, answer: "accept")
        for (index, text) in texts.enumerated() {
            let (from, to) = index < 2 ? (a, b) : (b, a)
            try await act(w, "send", on: from, peer: index < 2 ? idB : idA, text: text, shownOn: to, showing: text,
                          "\(from.name) types \(text.debugDescription) (MSG, ACK)")
            values.texts.append(text)
            record(values, in: w)
        }
        if w.has("terminate") { try await act(w, "terminate", on: a, peer: idB, shownOn: b, "\(a.name) ends the connection (TERMINATE, TERMINATED)") }
        guard w.has("quit") else { return step(w, "no input.quit: LEAVE is not driven") }
        for party in [a, b] {
            try await act(w, "quit", on: party, shownOn: nil, "\(party.name) quits (LEAVE, LEFT)")
            if try await w.waitForClose(of: party, within: w.patience) == nil { step(w, "\(party.name) was still open \(seconds(w.patience)) after quit") }
        }
    }

    /// One client started and answered by the server, then settled.
    static func join(_ w: WholeContext) async throws -> WholeParty {
        let party = try await w.startClients(1)[0]
        guard try await w.settle(party, within: w.patience) else {
            throw CaseStop.fail("\(party.name) got no answer from the server within \(seconds(w.patience)): only its first datagrams were recorded")
        }
        party.refreshSockets()
        step(w, "\(party.name) joined (REGISTER, REGISTERED) from port \(WholeCases.portList(party)) as \(w.clientID(of: party) ?? "an id not told")")
        return party
    }

    /// `from` connects to `to`, which answers with `answer` (accept or reject) once its console showed the request.
    static func connect(_ w: WholeContext, _ from: WholeParty, to: WholeParty, peer: String, answer: String) async throws {
        let what = answer == "accept" ? "ACCEPT" : "REJECT"
        try await act(w, "connect", on: from, peer: peer, shownOn: w.has(answer) ? to : from,
                      "\(from.name) connects to \(to.name) (LOOKUP, PEER, CONNECT)")
        guard w.has(answer) else { return step(w, "no input.\(answer): \(to.name) was not typed to (\(what) only if it answers by itself)") }
        try await act(w, answer, on: to, peer: w.clientID(of: from) ?? "", shownOn: from, "\(to.name) types \(answer) (\(what))")
    }

    /// Types `action` on `party`, then waits for `shownOn`'s console to show a line (containing `showing`)
    /// or, with no party named, for a datagram; then for the wire and consoles to be quiet. A step that
    /// shows nothing is noted and the session goes on: what it would have sent is named as not seen.
    static func act(_ w: WholeContext, _ action: String, on party: WholeParty, peer: String = "", text: String? = nil,
                    shownOn watched: WholeParty?, showing: String? = nil, _ what: String) async throws {
        var values = ["id": w.clientID(of: party) ?? String(party.id ?? 0), "peer": peer]
        if let text { values["text"] = text }
        guard let line = w.client.inputLine(action, values) else { return step(w, "no input.\(action): \(what) not driven") }
        let typed = w.trace.now()
        party.process.type(line)
        var shown = true
        if let watched {
            shown = try await w.waitForLine(of: watched, after: typed, within: w.patience) { showing == nil || $0.contains(showing!) } != nil
        } else {
            shown = try await w.waitForDatagram(after: typed, within: w.patience)
        }
        try await w.waitForAllQuiet(within: w.patience)
        step(w, shown ? what : "\(what): nothing showed within \(seconds(w.patience))")
    }

    static func step(_ w: WholeContext, _ text: String) { w.trace.note(text, tag: stepTag) }

    static func record(_ values: InferSessionValues, in w: WholeContext) {
        guard let json = try? JSONEncoder().encode(values) else { return }
        w.trace.note(String(decoding: json, as: UTF8.self), tag: valuesTag)
    }
}

extension WholeContext {
    /// Waits up to `within` for any datagram between the parties after `after`.
    func waitForDatagram(after: Duration, within: Duration) async throws -> Bool {
        try await waitForWire(within: within) { datagrams in datagrams.first { $0.time >= after } } != nil
    }

    /// Waits until no datagram and no console line of any party came for `quiet`, up to `within`.
    func waitForAllQuiet(within: Duration) async throws {
        let deadline = trace.now() + within
        while trace.now() < deadline {
            let last = max(wire.datagrams.last?.time ?? .zero, trace.events.last { $0.kind == .stdout }?.time ?? .zero)
            if trace.now() - last >= Self.quiet { return }
            try await Task.sleep(for: Self.poll)
        }
    }
}

extension Catalogue {
    /// A case the sandboxed worker may be asked to run: the catalogue's, or the infer session (not graded).
    static func workerCase(_ id: String, for role: GradedRole) -> GradeCase? {
        (cases(for: role) + (role == .whole ? [InferSessionCase.item] : [])).first { $0.id == id }
    }
}
