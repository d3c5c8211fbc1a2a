// The re-send judgement of the impaired W-* cases: what a party sent (the copies the relay dropped plus
// those on the wire) compared as bytes — a re-send is the same payload again, or differs only where a
// counter sits — and the gaps between copies against PROTOCOL.md's Timing bounds (WholeResendGaps.swift).
import UDPChatSupport

extension WholeCases {
    /// Whether `b` is `a` sent again: the same bytes, or the same with only runs of digits changed.
    static func isResend(of a: [UInt8], _ b: [UInt8]) -> Bool {
        a == b || digitsMasked(a) == digitsMasked(b)
    }

    /// The payload with each run of ASCII digits made one `#`.
    static func digitsMasked(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for byte in payload {
            let digit = byte >= 0x30 && byte <= 0x39
            if digit, out.last == 0x23 { continue }
            out.append(digit ? 0x23 : byte)
        }
        return out
    }

    /// The copies of the first datagram the relay dropped, `what` it was ("first datagram to the server"),
    /// until `until`: FAIL when it was not sent again (REQ-2, CONN-2) or a gap is outside 0.5 … 2 RTO
    /// (TIME-2); LENIENT outside 0.95 … 1.1 RTO (TIME-3). The bounds are `Timing.grade`'s, as the
    /// C-*-RESEND cases use them. A copy goes to the same port, from the same port or another of `sender`'s.
    /// `answered`: the server answered `sender` after the losses, so a copy got through even when the
    /// capture (which a loaded machine can make fall behind) does not show it: not "stopped".
    static func judgeResends(_ w: WholeContext, _ relay: WholeRelay, _ sender: WholeParty, what: String = "first datagram to the server",
                             until: Duration, answered: Bool = false) async throws {
        guard let first = relay.dropped.first else {
            throw CaseStop.fail("\(sender.name) sent nothing the relay could drop (its \(what)) by t=\(seconds(until))")
        }
        let sources = sender.ports.union([first.source])
        let sent = (relay.dropped + w.wire.datagrams).filter {
            $0.destination == first.destination && sources.contains($0.source) && $0.time >= first.time && $0.time <= until
        }
        let copies = sent.filter { isResend(of: first.payload, $0.payload) }.sorted { $0.time < $1.time }
        let shown = "'\(escapeDatagram(first.payload).prefix(60))'"
        if copies.count == 1, answered {
            return w.base.lenient("\(sender.name) was answered after its \(what), \(shown), was lost, so it was sent again, but the capture (which fell behind) "
                + "does not show the copy: its timing is not judged")
        }
        guard copies.count > 1 else {
            throw CaseStop.fail("\(sender.name)'s \(what), \(shown), was lost at t=\(seconds(first.time)) and never sent again "
                + "by t=\(seconds(until)) (\(seconds(until - first.time)) later, RTO \(seconds(w.rto))): a request is re-sent every RTO until answered")
        }
        let lostCopies = copies.filter { copy in relay.dropped.contains { $0.time == copy.time && $0.payload == copy.payload } }
        if copies.count <= lostCopies.count, answered {
            w.trace.note("\(sender.name) was answered after its \(copies.count) copies of \(shown) were lost: the copy that got through is not in "
                + "the capture (it fell behind), so the gaps are judged on the copies seen")
        } else if copies.count <= lostCopies.count {
            throw CaseStop.fail("\(sender.name) sent \(shown) \(copies.count) times, all lost, and stopped (the last at t=\(seconds(copies.last!.time)), "
                + "nothing again by t=\(seconds(until))): a request is re-sent until answered")
        }
        try await judgeGaps(w, copies, relayTimed: lostCopies, sender: sender, shown: shown)
        let times = copies.map { "t=\(seconds($0.time))" }.joined(separator: ", ")
        w.trace.note("\(sender.name) sent \(shown) \(copies.count) times (\(times)); the first \(lostCopies.count) lost")
    }

    /// W-RESEND-MSG: the datagram the relay dropped must carry `text` (else UNSUPPORTED: the loss hit
    /// something else; FAIL when nothing at all was sent), and the same bytes must go the same way again
    /// within 0.5 … 2 RTO (MSG-2, TIME-2).
    static func judgeMessageResend(_ w: WholeContext, _ relay: WholeRelay, from party: WholeParty, text: String) throws {
        guard let lost = relay.dropped.first else {
            // The relay sees every datagram on the case's loopback: nothing to drop is nothing sent, the program's doing.
            throw CaseStop.fail("after '\(text)' was typed on \(party.name), no datagram was sent at all (the relay, which sees every one, "
                + "had none to drop): the message never left \(party.name)")
        }
        let shown = "'\(escapeDatagram(lost.payload).prefix(80))'"
        guard lost.payload.firstRange(of: Array(text.utf8)) != nil else {
            throw CaseStop.unsupported("the first datagram after '\(text)' was typed, \(shown) from port \(lost.source) to \(lost.destination), "
                + "does not carry the text, so the loss did not hit the message")
        }
        let again = w.wire.datagrams.filter {
            $0.time > lost.time && $0.source == lost.source && $0.destination == lost.destination && isResend(of: lost.payload, $0.payload)
        }
        guard let next = again.first else {
            throw CaseStop.fail("the datagram carrying '\(text)', \(shown) from port \(lost.source) to \(lost.destination), was lost at "
                + "t=\(seconds(lost.time)) and never sent again (by t=\(seconds(w.trace.now()))): a message is re-sent every RTO until acknowledged")
        }
        switch Timing.grade(interval: next.time - lost.time, rto: w.rto) {
        case .strict: w.trace.note("\(shown), lost at t=\(seconds(lost.time)), came again at t=\(seconds(next.time))")
        case .lenient(let why): w.base.lenient("\(shown): \(why)")
        case .failing(let why): throw CaseStop.fail("the datagram carrying '\(text)', \(shown), lost at t=\(seconds(lost.time)): \(why)")
        }
    }
}
