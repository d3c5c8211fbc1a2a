// The whole-submission cases about the requests a user's action starts (W-RESEND-LOOKUP, W-RESEND-CONNECT,
// W-RESEND-LEAVE, W-CONNECT-ONCE): the transparent relay, its rules scoped to one flow, loses the first
// copies of what the program sends after `connect` or `quit`, or doubles what reaches the requested client;
// judged from the bytes on the wire and the consoles, with no wire format (docs/GRADER.md "Whole submissions").
import UDPChatSupport

extension WholeCases {
    static let requests: [GradeCase] = [resendLookup, resendConnect, resendLeave, connectOnce]

    /// How many copies a re-send case loses: 2 (a re-send, and that it keeps coming); 1 when the RTO is
    /// over 2 s, to keep the run short (at 10 s one loss costs 10 s).
    static func losses(_ w: WholeContext) -> Int { w.rto <= .seconds(2) ? 2 : 1 }

    static let resendLookup = whole("W-RESEND-LOOKUP", judges: [.client], title: "after connect, the client's first datagrams to the server (its lookup) are lost: the same bytes come again 0.5 … 2 RTO after each copy (assignment item 3)",
                                    needs: ["connect"]) { w in
        let pair = try await joined(w, 2)
        let (caller, server) = (pair[0], w.serverPort)
        let lost = losses(w)
        let relay = WholeRelay(rules: ["drop nth=1-\(lost)"], why: "the first \(copies(lost)) \(caller.name) sends to the server after connect \(lost == 1 ? "is" : "are") lost",
                               scope: { source, destination in destination == server && caller.ports.contains(source) })
        try await judgeRequest(w, relay, action: "connect", on: caller, peer: pair[1], sender: caller,
                               what: "first datagram to the server after connect (its lookup, or its request in a relayed design)")
    }

    static let resendConnect = whole("W-RESEND-CONNECT", judges: [.client], title: "after connect, the first datagrams to reach the other client (the connection request, direct or forwarded) are lost: the same bytes come again 0.5 … 2 RTO after each copy (assignment item 3)",
                                     needs: ["connect"]) { w in
        // The request's way to the other client (straight, or through the server) is the design's: not judged with a stand-in under a dialect.
        if let blocked = w.chatBlocked { throw CaseStop.unsupported(blocked) }
        let pair = try await joined(w, 2)
        let (caller, callee, server) = (pair[0], pair[1], w.serverPort)
        guard !callee.ports.isEmpty else { throw unknownPort(callee) }
        let lost = losses(w)
        let relay = WholeRelay(rules: ["drop nth=1-\(lost)"], why: "the first \(copies(lost)) to reach \(callee.name) after connect (from \(caller.name) or the server) \(lost == 1 ? "is" : "are") lost",
                               scope: { source, destination in callee.ports.contains(destination) && (source == server || caller.ports.contains(source)) })
        try await judgeRequest(w, relay, action: "connect", on: caller, peer: callee, sender: nil,
                               what: "connection request to \(callee.name) (the first datagram to reach it after connect)")
    }

    static let resendLeave = whole("W-RESEND-LEAVE", judges: [.client], title: "after quit, the client's first datagrams to the server (its leave) are lost: the same bytes come again 0.5 … 2 RTO after each copy (assignment item 6)",
                                   needs: ["quit"]) { w in
        let party = try await joined(w, 1)[0]
        let (server, lost) = (w.serverPort, losses(w))
        let relay = WholeRelay(rules: ["drop nth=1-\(lost)"], why: "the first \(copies(lost)) \(party.name) sends to the server after quit \(lost == 1 ? "is" : "are") lost",
                               scope: { source, destination in destination == server && party.ports.contains(source) })
        try await judgeRequest(w, relay, action: "quit", on: party, peer: nil, sender: party, what: "first datagram to the server after quit (its leave)")
    }

    static let connectOnce = whole("W-CONNECT-ONCE", judges: [.client], title: "a connection request that reaches the client twice, and again when re-sent, is shown to its user once (assignment item 3)",
                                   needs: ["connect"]) { w in
        // The request's way to the other client (straight, or through the server) is the design's: not judged with a stand-in under a dialect.
        if let blocked = w.chatBlocked { throw CaseStop.unsupported(blocked) }
        let pair = try await joined(w, 2)
        let (caller, callee) = (pair[0], pair[1])
        guard !callee.ports.isEmpty else { throw unknownPort(callee) }
        let relay = WholeRelay(rules: ["duplicate"], why: "from the connect on, every datagram to \(callee.name) is delivered twice (an extra copy at once)",
                               scope: { _, destination in callee.ports.contains(destination) })
        try await w.listen(on: callee)
        try await w.impair(with: relay)
        let typed = w.trace.now()
        try w.type("connect", on: caller, peer: callee)
        guard let first = try await w.waitForLine(of: callee, after: typed, within: w.patience) else {
            throw CaseStop.fail("after \(caller.name) typed connect, \(callee.name)'s console showed nothing within \(seconds(w.patience)): "
                + "the connection request was never shown to its user")
        }
        // The user decides for a while: the caller re-sends its request (about 1 RTO), each copy doubled too.
        try await Task.sleep(for: max(.seconds(2), w.rto * 3 / 2))
        let shown = w.lines(of: callee, after: typed)
        if let (line, times) = repeatedRequest(shown, callerID: w.clientID(of: caller)) {
            let when = times.map { "t=\(seconds($0))" }.joined(separator: ", ")
            throw CaseStop.fail("\(callee.name)'s console showed the connection request \(times.count) times: '\(line)' at \(when); the request reached it "
                + "more than once (the relay doubled every datagram to it: \(relay.duplicated) extra copies; and \(caller.name) re-sent it while the user "
                + "decided), and a repeat is not shown again")
        }
        let request = shown.first { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty } ?? first
        w.trace.note("\(callee.name) showed the request once ('\(request.text)'), though the relay made \(relay.duplicated) extra copies of what reached it")
    }

    /// `n` datagrams, in words.
    static func copies(_ n: Int) -> String { n == 1 ? "datagram" : "\(n) datagrams" }

    static func unknownPort(_ party: WholeParty) -> CaseStop {
        .unsupported("\(party.name)'s port cannot be told: the command has no {port} and its sockets cannot be read")
    }
}
