// The re-send judgement of the impaired W-* cases: what a party sent (the copies the relay dropped plus
// those on the wire) compared as bytes — a re-send is the same payload again, or differs only where a
// counter sits — and the gaps between copies against PROTOCOL.md's Timing bounds.
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

    /// The copies of the first datagram the relay dropped on its way to the server, until `until`: FAIL
    /// when it was not sent again (REQ-2) or a gap is outside 0.5 … 2 RTO (TIME-2); LENIENT outside
    /// 0.95 … 1.1 RTO (TIME-3).
    static func judgeResends(_ w: WholeContext, _ relay: WholeRelay, _ party: WholeParty, lost: Int, until: Duration) throws {
        let toServer = (relay.dropped + w.wire.datagrams).filter { $0.destination == w.serverPort && $0.time <= until }
        guard let first = relay.dropped.first(where: { $0.destination == w.serverPort }) else {
            throw CaseStop.fail("\(party.name) sent nothing to the server's port \(w.serverPort) by t=\(seconds(until))")
        }
        let copies = toServer.filter { isResend(of: first.payload, $0.payload) }.sorted { $0.time < $1.time }
        let shown = "'\(escapeDatagram(first.payload).prefix(60))'"
        guard copies.count > 1 else {
            throw CaseStop.fail("\(party.name)'s first datagram to the server, \(shown), was lost at t=\(seconds(first.time)) and never sent again "
                + "by t=\(seconds(until)) (\(seconds(until - first.time)) later, RTO \(seconds(w.rto))): a request is re-sent every RTO until answered")
        }
        let lostCopies = copies.filter { copy in relay.dropped.contains { $0.time == copy.time && $0.payload == copy.payload } }
        if copies.count <= lostCopies.count {
            throw CaseStop.fail("\(party.name) sent \(shown) \(copies.count) times, all lost, and stopped (the last at t=\(seconds(copies.last!.time)), "
                + "nothing again by t=\(seconds(until))): a request is re-sent until answered")
        }
        for (a, b) in zip(copies, copies.dropFirst()) {
            let gap = b.time - a.time
            if gap < w.rto / 2 || gap > w.rto * 2 {
                throw CaseStop.fail("\(party.name) re-sent \(shown) \(seconds(gap)) after the copy at t=\(seconds(a.time)): outside 0.5 … 2 RTO "
                    + "(\(seconds(w.rto / 2)) … \(seconds(w.rto * 2)))")
            }
            if gap < w.rto * 0.95 || gap > w.rto * 1.1 {
                w.base.lenient("\(party.name) re-sent \(shown) \(seconds(gap)) after the previous copy: within 0.5 … 2 RTO, outside 0.95 … 1.1 RTO")
            }
        }
        let times = copies.map { "t=\(seconds($0.time))" }.joined(separator: ", ")
        w.trace.note("\(party.name) sent \(shown) \(copies.count) times (\(times)); the first \(lostCopies.count) lost")
    }
}
