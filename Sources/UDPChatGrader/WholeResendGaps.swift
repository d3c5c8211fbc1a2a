// The gaps between the copies of a lost request (`WholeCases.judgeResends`) against 0.5 … 2 RTO. A copy the
// relay dropped carries the time the relay's thread saw it, which is late when that thread waits for a core
// on a loaded machine (two copies 0.4 s apart were once seen together); a copy on the wire carries the
// capture's own time. So a gap that is too short after a dropped copy, or too long before one, FAILs only
// when two copies on the wire confirm it; unconfirmed it is LENIENT, saying why.
import UDPChatSupport

extension WholeCases {
    static func judgeGaps(_ w: WholeContext, _ copies: [WireDatagram], relayTimed: [WireDatagram], sender: WholeParty, shown: String) async throws {
        func byRelay(_ copy: WireDatagram) -> Bool { relayTimed.contains { $0.time == copy.time && $0.payload == copy.payload } }
        for (a, b) in zip(copies, copies.dropFirst()) {
            switch Timing.grade(interval: b.time - a.time, rto: w.rto) {
            case .strict: break
            case .lenient(let why): w.base.lenient("\(sender.name) \(shown): \(why)")
            case .failing(let why):
                let early = b.time - a.time < w.rto / 2
                guard early ? byRelay(a) : byRelay(b) else {
                    throw CaseStop.fail("\(sender.name) \(shown), after the copy at t=\(seconds(a.time)): \(why)")
                }
                if let confirmed = try await wireGap(w, like: copies[0], sender: sender, early: early) {
                    throw CaseStop.fail("\(sender.name) \(shown), \(confirmed)")
                }
                w.base.lenient("\(sender.name) \(shown), after the copy at t=\(seconds(a.time)): \(why); but the relay timed the lost copy "
                    + "when its thread saw it, which a loaded machine delays, and no two copies on the wire confirm it")
            }
        }
    }

    /// After waiting for more copies (up to 1.5 RTO, at most 2.5 s): a gap between two copies on the wire
    /// like `first`, too short (`early`) or too long, as the verdict's words; nil when there is none.
    static func wireGap(_ w: WholeContext, like first: WireDatagram, sender: WholeParty, early: Bool) async throws -> String? {
        try await Task.sleep(for: min(w.rto * 3 / 2, .milliseconds(2500)))
        let sources = sender.ports.union([first.source])
        let wire = w.wire.datagrams.filter {
            $0.time >= first.time && $0.destination == first.destination && sources.contains($0.source) && isResend(of: first.payload, $0.payload)
        }.sorted { $0.time < $1.time }
        for (a, b) in zip(wire, wire.dropFirst()) {
            if case .failing(let why) = Timing.grade(interval: b.time - a.time, rto: w.rto), (b.time - a.time < w.rto / 2) == early {
                return "after the copy at t=\(seconds(a.time)) (both timed on the wire): \(why)"
            }
        }
        return nil
    }
}
