// How the request cases (WholeRequestCases.swift) judge: a user's action is typed with the relay's loss in
// place, the first datagram it loses is the request, and its copies (the relay's and the wire's) must follow
// 0.5 … 2 RTO apart until one gets through; and which console lines count as a request shown twice.
import Foundation
import UDPChatSupport

extension WholeCases {
    /// Attaches `relay` (after `peer` typed input.listen, for a connect), types `action` on `party` (naming `peer`), waits for the relay's first loss and
    /// for a copy of it to get through, and judges the copies (`judgeResends`). `sender` is whose copies
    /// count (nil: whoever sent what was lost, the caller or the server forwarding its request).
    /// UNSUPPORTED when nothing was lost (nothing of that flow was sent: no such request in this design);
    /// FAIL for a quit that sends nothing.
    static func judgeRequest(_ w: WholeContext, _ relay: WholeRelay, action: String, on party: WholeParty, peer: WholeParty?,
                             sender: WholeParty?, what: String) async throws {
        if action == "connect", let peer { try await w.listen(on: peer) }
        try await w.impair(with: relay)
        try w.type(action, on: party, peer: peer)
        guard let lost = try await waitForLoss(w, relay, within: w.patience) else {
            let why = "after \(action) was typed on \(party.name), nothing was sent that is its \(what) within \(seconds(w.patience))"
            if action == "quit" { throw CaseStop.fail("\(why): a client leaves by telling the server, and keeps telling it until answered") }
            throw CaseStop.unsupported("\(why), so no loss could be made (\(relay.why))")
        }
        let forwarded = sender == nil && lost.source == w.serverPort
        guard let who = sender ?? (forwarded ? w.theServer : party) else { throw CaseStop.error("the server's party is gone") }
        let through = try await waitForCopyThrough(w, of: lost, from: who, within: w.rto * (2 * losses(w)) + w.patience)
        try await judgeResends(w, relay, who, what: what + (forwarded ? ", forwarded by the server" : ""), until: through ?? w.trace.now())
        if let through { w.trace.note("a copy of what was lost got through at t=\(seconds(through))") }
    }

    /// The first datagram the relay dropped, once there is one (up to `within`).
    static func waitForLoss(_ w: WholeContext, _ relay: WholeRelay, within: Duration) async throws -> WireDatagram? {
        let deadline = w.trace.now() + within
        while w.trace.now() < deadline {
            if let first = relay.dropped.first { return first }
            try await Task.sleep(for: WholeContext.poll)
        }
        return relay.dropped.first
    }

    /// The trace time a copy of `lost` from `sender` reached the wire (got past the relay), up to `within`.
    /// (Copies after `after` when given: W-JOIN-REPEAT's join, sent again after its answer was lost.)
    static func waitForCopyThrough(_ w: WholeContext, of lost: WireDatagram, from sender: WholeParty, after: Duration? = nil,
                                   within: Duration) async throws -> Duration? {
        let sources = sender.ports.union([lost.source])
        let since = max(lost.time, after ?? lost.time)
        return try await w.waitForWire(within: within) { datagrams in
            datagrams.first {
                $0.time > since && $0.destination == lost.destination && sources.contains($0.source) && isResend(of: lost.payload, $0.payload)
            }?.time
        }
    }

    /// A console line shown more than once, with the times: among the lines naming the caller's id (as a
    /// number of its own) when there are such, else among the lines of 8 characters or more (a bare prompt
    /// such as `> ` redrawn is not a request shown again). Nil when every such line was shown once.
    static func repeatedRequest(_ lines: [TraceEvent], callerID: String?) -> (String, [Duration])? {
        let texts = lines.map { ($0.text.trimmingCharacters(in: .whitespaces), $0.time) }.filter { !$0.0.isEmpty }
        let naming = callerID.map { id in texts.filter { WholeContext.numbers(in: $0.0).contains(id) } } ?? []
        let judged = naming.isEmpty ? texts.filter { $0.0.count >= 8 } : naming
        var times: [String: [Duration]] = [:]
        var order: [String] = []
        for (text, time) in judged {
            if times[text] == nil { order.append(text) }
            times[text, default: []].append(time)
        }
        return order.first { times[$0]!.count > 1 }.map { ($0, times[$0]!) }
    }
}
