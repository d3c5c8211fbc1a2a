// What the W-* cases wait for and judge, in terms the harness sees without knowing the wire format:
// datagrams from the server's port to a client's ports, a quiet wire, console lines, open sockets,
// processes alive.
import Foundation
import UDPChatSupport

extension WholeContext {
    /// A pause between polls of the trace, the wire and /proc.
    static let poll: Duration = .milliseconds(20)
    /// How long the wire must be quiet around a client for an exchange to count as over.
    static let quiet: Duration = .milliseconds(500)
    /// How long a joined client's wire and console must both be quiet for it to count as settled
    /// (menu programs pause between the join and their next question).
    static let settled: Duration = .milliseconds(1500)

    /// How long a normal exchange may take: one re-send's worth and some (loaded machines, JVMs).
    public var patience: Duration { max(.seconds(5), rto * 2 + .seconds(3)) }

    /// UNSUPPORTED when the wire cannot be captured here (the reason says why).
    public func requireWire() throws {
        if let why = wire.unavailable { throw CaseStop.unsupported(why) }
    }

    /// Datagrams from the server's port to `party`'s ports since `after`.
    public func answers(to party: WholeParty, after: Duration = .zero) -> [WireDatagram] {
        wire.between([serverPort], party.ports, after: after)
    }

    /// Every datagram to or from `party`'s ports since `after`.
    func traffic(of party: WholeParty, after: Duration = .zero) -> [WireDatagram] {
        let ports = party.ports
        return wire.datagrams.filter { $0.time >= after && (ports.contains($0.source) || ports.contains($0.destination)) }
    }

    /// Waits up to `within` for a datagram from the server to `party` after `after`. A party that has
    /// not sent a datagram yet (still starting) gets up to `startup` for its first, and `within` from then.
    public func waitForAnswer(to party: WholeParty, after: Duration = .zero, within: Duration) async throws -> WireDatagram? {
        let started = trace.now()
        var polls = 0
        while true {
            if let first = answers(to: party, after: after).first { return first }
            let deadline = firstSent(by: party).map { max($0, started) + within }
                ?? (party.exited == nil ? started + max(within, CaseContext.startup) : started + within)
            if trace.now() >= deadline { return nil }
            polls += 1
            if polls % 5 == 0 { party.refreshSockets() }
            try await Task.sleep(for: Self.poll)
        }
    }

    /// The one wait on the wire: polls what the capture has seen until `find` finds something in it, up to
    /// `within` (nil when nothing was found). `find` gets the datagrams seen so far, once per poll (a party's
    /// ports read there are read once per poll); `refreshing`: a party whose sockets are re-read every
    /// fifth poll, for a client whose port is learned late.
    func waitForWire<Found>(within: Duration, refreshing party: WholeParty? = nil,
                            find: ([WireDatagram]) -> Found?) async throws -> Found? {
        let deadline = trace.now() + within
        var polls = 0
        while true {
            if let found = find(wire.datagrams) { return found }
            if trace.now() >= deadline { return nil }
            polls += 1
            if polls % 5 == 0 { party?.refreshSockets() }
            try await Task.sleep(for: Self.poll)
        }
    }

    /// Waits up to `within` for a datagram from `party`'s ports after `after`; nil when none came.
    func waitForSent(by party: WholeParty, after: Duration, within: Duration) async throws -> WireDatagram? {
        try await waitForWire(within: within) { datagrams in
            let ports = party.ports
            return datagrams.first { $0.time >= after && ports.contains($0.source) }
        }
    }

    /// When `party` first sent a datagram: on the wire, or dropped by the case's relay before it.
    func firstSent(by party: WholeParty) -> Duration? {
        let ports = party.ports
        let relayed = (impairment as? WholeRelay)?.dropped ?? []
        return (wire.datagrams + relayed).filter { ports.contains($0.source) }.map(\.time).min()
    }

    /// Waits until `party` got an answer from the server and then neither its wire nor its console
    /// showed anything for `settled` (its joining exchange and start-up questions are over), up to
    /// `within` after the answer. Returns whether it was answered.
    @discardableResult
    public func settle(_ party: WholeParty, within: Duration) async throws -> Bool {
        guard try await waitForAnswer(to: party, within: within) != nil else { return false }
        let deadline = trace.now() + within
        while trace.now() < deadline {
            let last = max(traffic(of: party).last?.time ?? .zero, lines(of: party).last?.time ?? .zero)
            if trace.now() - last >= Self.settled { break }
            try await Task.sleep(for: Self.poll)
        }
        return true
    }

    /// Waits up to `within` for a console line of `party` after `after`; nil when none came.
    public func waitForLine(of party: WholeParty, after: Duration, within: Duration,
                            where matches: (String) -> Bool = { _ in true }) async throws -> TraceEvent? {
        let deadline = trace.now() + within
        while true {
            if let line = lines(of: party, after: after).first(where: { matches($0.text) }) { return line }
            if trace.now() >= deadline { return nil }
            try await Task.sleep(for: Self.poll)
        }
    }

    /// Waits up to `within` for `party` to close: its process exits or its sockets are all closed.
    /// Returns the trace time it was seen closed, or nil.
    public func waitForClose(of party: WholeParty, within: Duration) async throws -> Duration? {
        let deadline = trace.now() + within
        while true {
            if let exit = party.exited { return exit.time }
            if party.socketsOpen() == false { return trace.now() }
            if trace.now() >= deadline { return nil }
            try await Task.sleep(for: Self.poll)
        }
    }

    /// FAIL when `party`'s process has ended (not ending is the rule under test).
    public func expectAlive(_ party: WholeParty, _ when: String) throws {
        if let exit = party.exited {
            throw CaseStop.crashed("\(party.name) exited (status \(exit.status)) at t=\(seconds(exit.time)) \(when)\(stderrTail(party))")
        }
    }

    /// Whether `text` contains `port` as a number of its own (not inside a longer number).
    public static func names(_ text: String, port: UInt16) -> Bool {
        occurs(Array(String(port).utf8), in: Array(text.utf8), unless: isDigit)
    }

    /// Whether `needle` occurs in `bytes` with no byte that `joins` right before or after it (a number
    /// not inside a longer one, a word not inside a longer word).
    static func occurs(_ needle: [UInt8], in bytes: [UInt8], unless joins: (UInt8) -> Bool) -> Bool {
        guard !needle.isEmpty else { return false }
        return bytes.ranges(of: needle).contains { range in
            (range.lowerBound == 0 || !joins(bytes[range.lowerBound - 1])) && (range.upperBound == bytes.count || !joins(bytes[range.upperBound]))
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    /// A digit or an ASCII letter.
    static func isWordByte(_ byte: UInt8) -> Bool { isDigit(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) }
}
