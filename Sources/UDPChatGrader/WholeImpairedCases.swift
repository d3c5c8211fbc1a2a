// The whole-submission cases that impair the wire (W-RESEND-JOIN, W-DEDUP, W-RESEND-MSG; the requests'
// in WholeRequestCases.swift): the transparent relay (`WholeRelay`) drops or doubles datagrams in the case's
// namespace, and the submission is judged from the bytes on the wire and its consoles. UNSUPPORTED, with
// the reason, where the relay cannot run.
import UDPChatSupport

extension WholeCases {
    static let impaired: [GradeCase] = [resendJoin, dedup, resendMessage] + requests

    static let resendJoin = whole("W-RESEND-JOIN", judges: [.client], title: "a client's first datagrams to the server are lost: the same bytes come again 0.5 … 2 RTO after each copy, until answered (assignment item 2)") { w in
        // At a long RTO one loss is enough to see a re-send, and keeps the case short.
        let lost = losses(w)
        let relay = WholeRelay(rules: ["drop dir=up nth=1-\(lost)"], why: "the first \(lost) datagram\(lost == 1 ? "" : "s") a client sends to the server \(lost == 1 ? "is" : "are") lost")
        w.impairment = relay
        try await w.startServer()
        try w.requireWire()
        let party = try await w.startClients(1)[0]
        let answer = try await w.waitForAnswer(to: party, within: w.rto * (2 * lost) + w.patience)
        try await judgeResends(w, relay, party, until: answer?.time ?? w.trace.now(), answered: answer != nil)
        guard let answer else {
            throw CaseStop.fail("\(party.name) re-sent its lost datagram, but the server never answered it (nothing from port \(w.serverPort) to \(portList(party)))")
        }
        w.trace.note("\(party.name) was answered at t=\(seconds(answer.time)) after re-sending what was lost")
    }

    static let dedup = whole("W-DEDUP", judges: [.client], title: "every datagram to the receiver delivered twice: a text typed on one client appears exactly once on the other's console (assignment item 4)",
                             needs: ["send"]) { w in
        try w.requireChat()
        let pair = try await joined(w, 2)
        let receiver = pair[1]
        let relay = WholeRelay(rules: ["duplicate"], why: "from the chat on, every datagram to \(receiver.name) is delivered twice (an extra copy at once)",
                               scope: { _, destination in receiver.ports.contains(destination) })
        let text = "doubled chat \(pair[0].id ?? 0) to \(pair[1].id ?? 0)"
        let shown = try await chat(w, from: pair[0], to: pair[1], text: text) { try await w.impair(with: relay) }
        if shown.isEmpty {
            throw CaseStop.fail("with every datagram to \(receiver.name) doubled, the text '\(text)' typed on \(pair[0].name) never appeared on \(pair[1].name)'s console within \(seconds(w.patience))")
        }
        if shown.count > 1 {
            let times = shown.map { "t=\(seconds($0.time))" }.joined(separator: ", ")
            throw CaseStop.fail("every datagram to \(receiver.name) was delivered twice, and the text '\(text)' typed once on \(pair[0].name) appeared \(shown.count) times "
                + "on \(pair[1].name)'s console (\(times)): a duplicate was displayed again")
        }
        w.trace.note("the relay made \(relay.duplicated) extra copies; '\(text)' appeared once on \(pair[1].name)'s console")
    }

    static let resendMessage = whole("W-RESEND-MSG", judges: [.client], title: "the first datagram carrying a typed text is lost: the same bytes come again 0.5 … 2 RTO later, and the text appears once (assignment item 4)",
                                     needs: ["send"]) { w in
        try w.requireChat()
        let pair = try await joined(w, 2)
        let relay = WholeRelay(rules: ["drop nth=1"], why: "the first datagram after the text is typed is lost")
        let text = "lost once \(pair[0].id ?? 0) to \(pair[1].id ?? 0)"
        let shown = try await chat(w, from: pair[0], to: pair[1], text: text) { try await w.impair(with: relay) }
        try judgeMessageResend(w, relay, from: pair[0], text: text)
        if shown.isEmpty {
            throw CaseStop.fail("'\(text)' typed on \(pair[0].name) was re-sent after its loss, but never appeared on \(pair[1].name)'s console within \(seconds(w.patience))")
        }
        if shown.count > 1 {
            throw CaseStop.fail("'\(text)' typed once on \(pair[0].name) appeared \(shown.count) times on \(pair[1].name)'s console after its first copy was lost")
        }
    }
}
