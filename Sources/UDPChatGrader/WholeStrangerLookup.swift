// W-LOOKUP-STRANGER: a client's own lookup, sent again from a socket that never joined, must tell that
// stranger nothing about the clients (PROTOCOL.md SRV-8: LOOKUP is answered only for a registered source
// address). Judged with no wire format: what in the registered client's answer names the other client
// (its port, or its id or name where the request itself did not carry it) must not be in the stranger's.
import UDPChatSupport

extension WholeCases {
    static let lookupStranger = whole("W-LOOKUP-STRANGER", judges: [.server], title: "a client's lookup, sent again from a stranger's socket, is answered with nothing that names the other client: only a joined address may look clients up (PROTOCOL.md SRV-8; assignment item 3)",
                                      needs: ["connect"]) { w in
        let pair = try await joined(w, 2)
        let (caller, callee) = (pair[0], pair[1])
        let typed = w.trace.now()
        try w.type("connect", on: caller, peer: callee)
        guard let lookup = try await waitForRequest(w, from: caller, after: typed) else {
            throw CaseStop.unsupported("after connect, \(caller.name) sent nothing to the server within \(seconds(w.patience)): no lookup to send from a stranger")
        }
        guard let answer = try await w.waitForAnswer(to: caller, after: lookup.time, within: w.patience) else {
            throw CaseStop.unsupported("the server did not answer \(caller.name)'s first datagram after connect ('\(escapeDatagram(lookup.payload).prefix(60))') "
                + "within \(seconds(w.patience)): nothing to compare a stranger's answer with")
        }
        let tokens = calleeTokens(w, callee).filter { !contains(lookup.payload, $0) && contains(answer.payload, $0) }
        let request = "'\(escapeDatagram(lookup.payload).prefix(60))'"
        guard !tokens.isEmpty else {
            throw CaseStop.unsupported("the server's answer to \(caller.name)'s \(request) ('\(escapeDatagram(answer.payload).prefix(60))') names \(callee.name) by "
                + "nothing the grader knows (its ports \(portList(callee)), its id \(w.clientID(of: callee) ?? "unknown")), or the request already did: "
                + "a stranger's answer cannot be told to leak it")
        }
        let stranger = try await w.base.node("stranger")
        // What reaches the stranger is in the trace, as every grader socket's datagrams are.
        let answers = { w.trace.events.filter { $0.kind == .received && $0.node == stranger.name }.compactMap(\.bytes) }
        w.wire.ignore(stranger.address.port)
        stranger.send(lookup.payload, to: Endpoint(host: "127.0.0.1", port: w.serverPort), tag: "\(caller.name)'s lookup, from a stranger")
        w.trace.note("a stranger's socket (port \(stranger.address.port)) sent the server \(request), the first datagram \(caller.name) sent after connect, "
            + "whose answer named \(callee.name) by \(tokens.map { "'\($0)'" }.joined(separator: ", "))")
        let window = max(.seconds(3), w.rto)
        let deadline = w.trace.now() + window
        var leaked: [UInt8]?
        while leaked == nil, w.trace.now() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            leaked = answers().first { payload in tokens.contains { contains(payload, $0) } }
        }
        try w.expectAlive(w.theServer!, "after a stranger sent it \(caller.name)'s lookup")
        if let leaked {
            let named = tokens.filter { contains(leaked, $0) }.map { "'\($0)'" }.joined(separator: ", ")
            throw CaseStop.fail("a stranger's socket (port \(stranger.address.port)), which never joined, sent the server \(request), \(caller.name)'s lookup, "
                + "and was answered '\(escapeDatagram(leaked).prefix(120))', which names \(callee.name) (\(named), as \(caller.name)'s own answer did): "
                + "a lookup is answered only for a joined address")
        }
        let got = answers()
        w.trace.note("the stranger was answered \(got.isEmpty ? "nothing" : got.map { "'\(escapeDatagram($0).prefix(60))'" }.joined(separator: ", ")) "
            + "within \(seconds(window)): nothing that names \(callee.name)")
    }

    /// What can name `party` in an answer: its ports and its id, as decimal text or as the server's name for it.
    static func calleeTokens(_ w: WholeContext, _ party: WholeParty) -> [String] {
        var tokens = party.ports.sorted().map(String.init)
        for id in [w.clientID(of: party), party.id.map(String.init)].compactMap({ $0 }) where !tokens.contains(id) { tokens.append(id) }
        return tokens
    }

    /// Whether `token` occurs in `bytes` with no letter or digit right before or after it (`22` is in
    /// `Client_2 ==> 22\n` and in `PEER 22 127.0.0.1 4000`, not in `4022`).
    static func contains(_ bytes: [UInt8], _ token: String) -> Bool {
        WholeContext.occurs(Array(token.utf8), in: bytes, unless: WholeContext.isWordByte)
    }
}
