// W-ACK-NAMES: an acknowledgement names the message it acknowledges (assignment item 4: "each message is
// acknowledged by sequence number"; PROTOCOL.md MSG-2). Judged with no wire format: one client sends two
// texts (the other replies in between, for designs where the two users take turns), and what came back
// to it after its second message must not all be bytes it was already sent after its first.
import UDPChatSupport

extension WholeCases {
    static let ackNames = whole("W-ACK-NAMES", judges: [.client], title: "two texts from one client are acknowledged by different datagrams: what comes back after the second is not only what came back after the first (assignment item 4)",
                                needs: ["send"]) { w in
        try w.requireChat()
        let pair = try await joined(w, 2)
        let (a, b) = (pair[0], pair[1])
        let connected = w.has("connect")
        let texts = ("first to acknowledge \(a.id ?? 0)", "second to acknowledge \(a.id ?? 0)")
        guard try await !chat(w, from: a, to: b, text: texts.0).isEmpty else { throw notShown(w, a, b, texts.0) }
        let reply = "reply between \(b.id ?? 0)"
        guard try await !chat(w, from: b, to: a, text: reply, connected: connected).isEmpty else { throw notShown(w, b, a, reply) }
        guard try await !chat(w, from: a, to: b, text: texts.1, connected: connected).isEmpty else { throw notShown(w, a, b, texts.1) }
        try await w.waitForWireSettled(within: w.patience)
        let ports = a.ports
        let sent = w.wire.datagrams.filter { ports.contains($0.source) }
        let back = w.wire.datagrams.filter { ports.contains($0.destination) }
        guard let one = carrying(w, texts.0, typedOn: a, in: sent), let two = carrying(w, texts.1, typedOn: a, in: sent) else {
            throw CaseStop.unsupported("the wire saw no datagram from \(a.name) after it typed its texts: no message to find the acknowledgement of")
        }
        let replied = carrying(w, reply, typedOn: b, in: w.wire.datagrams.filter { b.ports.contains($0.source) })?.time ?? typedAt(w, b, reply)
        let afterOne = back.filter { $0.time >= one.time && $0.time < replied }
        let afterTwo = back.filter { $0.time >= two.time }
        guard !afterOne.isEmpty, !afterTwo.isEmpty else {
            throw CaseStop.unsupported("nothing came back to \(a.name) after its \(afterOne.isEmpty ? "first" : "second") message: no acknowledgement to compare")
        }
        let earlier = Set(afterOne.map(\.payload))
        let shown = { (list: [WireDatagram]) in Set(list.map { "'\(escapeDatagram($0.payload).prefix(40))'" }).sorted().joined(separator: ", ") }
        if afterTwo.allSatisfy({ earlier.contains($0.payload) }) {
            throw CaseStop.fail("\(a.name) sent '\(escapeDatagram(one.payload).prefix(50))' and later '\(escapeDatagram(two.payload).prefix(50))', two texts, "
                + "and what came back after the second (\(shown(afterTwo))) is all bytes it was sent after the first (\(shown(afterOne))): "
                + "its acknowledgement does not say which message it acknowledges (by its sequence number)")
        }
        w.trace.note("after \(a.name)'s second text it got \(shown(afterTwo)), not only what it got after the first (\(shown(afterOne)))")
    }

    /// The datagram that carried `text` typed on `party`: the first of `sent` that holds its bytes (most
    /// formats carry a text as it is: words, JSON, a C string, a pickle), else the first sent after it was
    /// typed, give or take the capture's own clock (`stampSkew`).
    static func carrying(_ w: WholeContext, _ text: String, typedOn party: WholeParty, in sent: [WireDatagram]) -> WireDatagram? {
        let bytes = Array(text.utf8)
        let typed = typedAt(w, party, text)
        let holding = sent.first { $0.time >= typed - stampSkew && $0.payload.firstRange(of: bytes) != nil }
        return holding ?? sent.first { $0.time >= typed - stampSkew }
    }

    /// The setup FAIL when a text typed on `from` never showed on `to`.
    static func notShown(_ w: WholeContext, _ from: WholeParty, _ to: WholeParty, _ text: String) -> CaseStop {
        .fail("setup: chat: the text '\(text)' typed on \(from.name) never appeared on \(to.name)'s console within \(seconds(w.patience))"
            + said(w, from, since: typedAt(w, from, text)))
    }
}
