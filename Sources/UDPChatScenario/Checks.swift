import UDPChatCore
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// The verdict of one expectation, explaining itself: what was expected, what was observed, and
/// the part of the trace (or console) that shows it.
public struct CheckResult: Sendable, CustomStringConvertible {
    public var title: String
    /// The line of the scenario file (0 for implicit checks).
    public var line: Int
    public var passed: Bool
    public var expected: String
    public var observed: String
    public var excerpt: [String]

    public var description: String {
        var text = "\(passed ? "ok  " : "FAIL") \(title)\(line > 0 ? " (line \(line))" : "")"
        if !passed {
            text += "\n      expected: \(expected)\n      observed: \(observed)"
            if !excerpt.isEmpty { text += "\n      trace:\n" + excerpt.map { "        " + $0 }.joined(separator: "\n") }
        }
        return text
    }
}

/// Checks a scenario's expectations against an observation.
public enum ScenarioChecker {
    public static func check(_ scenario: Scenario, _ observation: Observation) -> [CheckResult] {
        var results: [CheckResult] = []
        let allowStuck = scenario.expectations.contains { if case .stuck(true) = $0.kind { return true } else { return false } }
        if !allowStuck {
            let stuck = observation.stuck.sorted { $0.key < $1.key }.map { "\($0.key) at \($0.value)" }
            results.append(CheckResult(
                title: "every script finished", line: 0, passed: stuck.isEmpty, expected: "all scripts run to their end",
                observed: stuck.isEmpty ? "all finished" : "stuck: " + stuck.joined(separator: "; "),
                excerpt: stuck.isEmpty ? [] : observation.stuck.keys.sorted().flatMap { party in
                    observation.lines(of: party).suffix(6).map { "\(JSON.seconds($0.time))s \(party): \($0.line)" }
                } + observation.trace.suffix(6).map(\.summary)))
        }
        for expectation in scenario.expectations {
            if case .stuck = expectation.kind { continue }
            var result = check(expectation.kind, observation)
            result.line = expectation.line
            // A check that saw no datagram at all names the proxies that saw nothing, and why none could.
            switch expectation.kind {
            case .resent(let filter) where result.observed == neverSeen:
                result.observed = scenario.neverSeen(filter)
            case .wire(let filter) where !result.passed && result.observed == "0":
                result.observed = "0 (\(scenario.neverSeen(filter)))"
            default: break
            }
            results.append(result)
        }
        return results
    }

    /// What a `resent` check that saw no datagram observed (before `Scenario.neverSeen` explains it).
    static let neverSeen = "never seen"

    static func excerpt(_ records: [TraceRecord], limit: Int = 12) -> [String] {
        if records.count <= limit { return records.map(\.summary) }
        return records.prefix(limit / 2).map(\.summary) + ["… \(records.count - limit) more …"] + records.suffix(limit / 2).map(\.summary)
    }

    static func consoleExcerpt(_ lines: [DisplayRecord], limit: Int = 12) -> [String] {
        lines.suffix(limit).map { "\(JSON.seconds($0.time))s \($0.party): \($0.line)" }
    }

    static func check(_ kind: ExpectationKind, _ o: Observation) -> CheckResult {
        switch kind {
        case .delivered(let to, let from, let texts):
            let observed = o.delivered(at: to, from: o.ids[from] ?? 0)
            return CheckResult(
                title: "delivered \(from)→\(to): \(counted(texts.count, "message")) exactly once, in order", line: 0, passed: observed == texts,
                expected: summarize(texts), observed: summarize(observed) + difference(texts, observed),
                excerpt: consoleExcerpt(o.lines(of: to)) + excerpt(o.records(WireFilter(verb: .msg, from: from)), limit: 8))

        case .resent(let filter):
            return resent(filter, o)

        case .wire(let filter):
            let records = o.records(filter)
            return CheckResult(title: "on the wire: \(filter)", line: 0, passed: filter.bound.allows(records.count),
                               expected: "\(filter.bound.counting("datagram"))", observed: "\(records.count)",
                               excerpt: excerpt(records.isEmpty ? Array(o.trace.suffix(8)) : records))

        case .dedup(let at, let from, let seq):
            return dedup(at: at, from: from, seq: seq, o)

        case .displayed(let party, let text, let bound):
            let lines = o.lines(of: party)
            let count = lines.filter { $0.line.contains(text) }.count
            return CheckResult(title: "\(party) displays '\(text)'", line: 0, passed: bound.allows(count),
                               expected: "\(bound.counting("line")) containing '\(text)'", observed: "\(count)",
                               excerpt: consoleExcerpt(lines))

        case .terminated(let by, let peer):
            return terminated(by: by, peer: peer, o)

        case .left(let party):
            return left(party, o)

        case .stuck:
            return CheckResult(title: "stuck", line: 0, passed: true, expected: "", observed: "", excerpt: [])
        }
    }

    /// `resent`: later transmissions of the very same datagram, as many as the bound says, each within
    /// the interval after the one before (± the timing allowance of a real clock).
    static func resent(_ filter: WireFilter, _ o: Observation) -> CheckResult {
        let records = o.records(filter).sorted { $0.time < $1.time }
        guard let first = records.first else {
            return CheckResult(title: "re-sent \(filter)", line: 0, passed: false, expected: "\(filter) on the wire",
                               observed: neverSeen, excerpt: excerpt(Array(o.trace.suffix(10))))
        }
        // A re-send is a later transmission of the very same datagram (same bytes).
        var groups: [String: [TraceRecord]] = [:]
        var order: [String] = []
        for record in records {
            let key = record.message?.serialized ?? "\(record.from)/\(record.size)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(record)
        }
        let resends = records.count - order.count
        var problems: [String] = []
        if !filter.bound.allows(resends) { problems.append("re-sent \(counted(resends, "time"))") }
        var intervalText = ""
        var gaps: [String] = []
        if let (low, high) = filter.interval {
            let lo = low.resolved(rto: o.rto)
            let hi = high.resolved(rto: o.rto)
            let slack = o.timingAllowance
            intervalText = ", each \(lo.compactDescription)–\(hi.compactDescription) after the previous"
                + (slack > .zero ? " (± \(slack.compactDescription) for a real clock)" : "")
            for key in order {
                let group = groups[key]!
                for (previous, next) in zip(group, group.dropFirst()) {
                    let gap = next.time - previous.time
                    gaps.append(gap.compactDescription)
                    if gap < lo - slack || gap > hi + slack {
                        problems.append("'\(key.prefix(40))' re-sent \(gap.compactDescription) after the transmission at \(JSON.seconds(previous.time))s")
                    }
                }
            }
        }
        let shownGaps = gaps.count > 8 ? gaps.prefix(8).joined(separator: ", ") + ", …" : gaps.joined(separator: ", ")
        return CheckResult(
            title: "re-sent \(filter)", line: 0, passed: problems.isEmpty,
            expected: "re-sent \(filter.bound.counting("time"))\(intervalText) (first at \(JSON.seconds(first.time))s)",
            observed: problems.isEmpty ? "re-sent \(counted(resends, "time")), intervals [\(shownGaps)]"
                : problems.prefix(4).joined(separator: "; ") + " (intervals [\(shownGaps)])",
            excerpt: excerpt(records))
    }

    /// `dedup`: a MSG reached the receiver at least twice, was displayed once and ACKed each time.
    static func dedup(at: String, from: String, seq: SeqNo, _ o: Observation) -> CheckResult {
        let msgs = o.records(WireFilter(verb: .msg, from: from, to: at, seq: seq))
        let reached = msgs.reduce(0) { $0 + $1.copies }
        var text = ""
        if let record = msgs.first, case .msg(_, _, _, let body) = record.message { text = body }
        let delivered = o.delivered(at: at, from: o.ids[from] ?? 0)
        // The live trace does not carry MSG texts: then "displayed once" means no text shown twice.
        let shown = text.isEmpty ? (Set(delivered).count == delivered.count && !delivered.isEmpty ? 1 : 0)
            : delivered.filter { $0 == text }.count
        let acks = o.records(WireFilter(verb: .ack, from: at, to: from, seq: seq)).count
        var problems: [String] = []
        if reached < 2 { problems.append("MSG \(seq) reached \(at) \(counted(reached, "time")), so no duplicate was seen") }
        if shown != 1 { problems.append("displayed \(counted(shown, "time"))") }
        if acks < 2 { problems.append("ACK \(seq) sent \(counted(acks, "time"))") }
        return CheckResult(
            title: "dedup: MSG \(seq) from \(from) at \(at)", line: 0, passed: problems.isEmpty,
            expected: "MSG \(seq) reaches \(at) ≥ 2 times, displayed once, ACKed ≥ 2 times",
            observed: problems.isEmpty ? "reached \(reached)×, displayed once, ACKed \(acks)×" : problems.joined(separator: "; "),
            excerpt: excerpt((msgs + o.records(WireFilter(verb: .ack, from: at, seq: seq))).sorted { $0.time < $1.time })
                + consoleExcerpt(o.lines(of: at), limit: 6))
    }

    static func terminated(by: String, peer: String, _ o: Observation) -> CheckResult {
        let terminates = o.records(WireFilter(verb: .terminate, from: by, to: peer))
        let answers = o.records(WireFilter(verb: .terminated, from: peer, to: by))
        let peerClosed = o.closes[peer]?.at
        // Copies that left the proxy at least 1 ms before the peer closed its socket must be answered
        // (a copy still in flight when the socket closes cannot be).
        let reachedPeer = terminates.flatMap(\.deliveries).filter { time in peerClosed.map { time + .milliseconds(1) < $0 } ?? true }.count
        var problems: [String] = []
        if terminates.isEmpty { problems.append("no TERMINATE from \(by)") }
        if answers.isEmpty { problems.append("no TERMINATED from \(peer)") }
        if answers.count < reachedPeer { problems.append("\(reachedPeer) TERMINATE reached \(peer) but only \(answers.count) TERMINATED answered") }
        if let firstAnswer = answers.first, let firstTerminate = terminates.first, firstAnswer.time < firstTerminate.time {
            problems.append("TERMINATED before any TERMINATE")
        }
        for party in [by, peer] where !o.lines(of: party).contains(where: { $0.line.contains("terminated") }) {
            problems.append("\(party) never displayed the termination")
        }
        return CheckResult(
            title: "terminated by \(by), acknowledged by \(peer)", line: 0, passed: problems.isEmpty,
            expected: "TERMINATE from \(by), every one that reaches \(peer) answered TERMINATED, both consoles say so",
            observed: problems.isEmpty ? "\(terminates.count) TERMINATE, \(answers.count) TERMINATED" : problems.joined(separator: "; "),
            excerpt: excerpt((terminates + answers).sorted { $0.time < $1.time }))
    }

    static func left(_ party: String, _ o: Observation) -> CheckResult {
        let leaves = o.records(WireFilter(verb: .leave, from: party))
        let lefts = o.records(WireFilter(verb: .left, to: party))
        let leavesReached = leaves.reduce(0) { $0 + $1.copies }
        var problems: [String] = []
        if leaves.isEmpty { problems.append("no LEAVE from \(party)") }
        if lefts.isEmpty { problems.append("no LEFT to \(party)") }
        if lefts.count < leavesReached { problems.append("\(leavesReached) LEAVE reached the server, only \(lefts.count) LEFT answered") }
        let firstLeftArrival = lefts.flatMap(\.deliveries).min()
        if let close = o.closes[party] {
            if close.exit != .left { problems.append("closed with \(close.exit) instead of after LEFT") }
            if let arrival = firstLeftArrival, close.at < arrival {
                problems.append("socket closed at \(JSON.seconds(close.at))s, before LEFT was delivered at \(JSON.seconds(arrival))s")
            }
            if firstLeftArrival == nil { problems.append("socket closed although LEFT never got through") }
            if let late = leaves.first(where: { $0.time > close.at }) {
                problems.append("LEAVE sent at \(JSON.seconds(late.time))s after the socket closed")
            }
        } else {
            problems.append("\(party) never closed its socket")
        }
        return CheckResult(
            title: "\(party) left", line: 0, passed: problems.isEmpty,
            expected: "LEAVE re-sent until LEFT, every LEAVE answered, socket closed only after LEFT",
            observed: problems.isEmpty ? "\(leaves.count) LEAVE, \(lefts.count) LEFT, closed at \(JSON.seconds(o.closes[party]!.at))s"
                : problems.joined(separator: "; "),
            excerpt: excerpt((leaves + lefts).sorted { $0.time < $1.time }) + consoleExcerpt(o.lines(of: party), limit: 4))
    }

    static func summarize(_ texts: [String]) -> String {
        if texts.count <= 6 { return "[" + texts.map { "'\($0)'" }.joined(separator: ", ") + "]" }
        return "\(texts.count) messages ['\(texts[0])' … '\(texts[texts.count - 1])']"
    }

    static func difference(_ expected: [String], _ observed: [String]) -> String {
        guard expected != observed else { return "" }
        var notes: [String] = []
        var counts: [String: Int] = [:]
        for text in observed { counts[text, default: 0] += 1 }
        let duplicated = counts.filter { $0.value > 1 }.keys.sorted()
        if !duplicated.isEmpty { notes.append("shown more than once: \(duplicated.prefix(5).joined(separator: ", "))") }
        let missing = expected.filter { counts[$0] == nil }
        if !missing.isEmpty { notes.append("missing: \(missing.prefix(5).joined(separator: ", "))") }
        if notes.isEmpty, let index = zip(expected, observed).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            notes.append("out of order at position \(index + 1)")
        }
        return notes.isEmpty ? "" : " — " + notes.joined(separator: "; ")
    }
}

extension WireFilter {
    init(verb: Verb, from: String? = nil, to: String? = nil, seq: SeqNo? = nil) {
        self.init()
        self.verb = verb
        self.from = from
        self.to = to
        self.seq = seq
    }
}
