// The impairment of a whole submission's wire (`WholeImpairment`): UDPChatTransparent's relay started
// in the case's own network namespace (the worker's, in the sandbox) with rules in the relay's
// vocabulary (`drop dir=up nth=1-2`, `duplicate`). Its decisions other than a plain forward go into the
// case's trace, and the datagrams it dropped (which never reach the wire's capture) are kept for judging.
import Foundation
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport
import UDPChatTransparent

final class WholeRelay: WholeImpairment, @unchecked Sendable {
    /// The relay's rules, as `udpchat transparent --rule` takes them.
    let rules: [String]
    /// Why the case impairs the wire (for the trace).
    let why: String
    /// Which datagrams the rules see, by source and destination port (one flow singled out); nil: every one.
    let scope: (@Sendable (_ source: UInt16, _ destination: UInt16) -> Bool)?
    private let lock = NSLockBox()
    private var relay: TransparentRelay?
    private weak var context: WholeContext?
    private var droppedSeen: [WireDatagram] = []
    private var duplicatedCount = 0

    init(rules: [String], why: String, scope: (@Sendable (_ source: UInt16, _ destination: UInt16) -> Bool)? = nil) {
        self.rules = rules
        self.why = why
        self.scope = scope
    }

    /// The datagrams the relay dropped, at the trace time it decided.
    var dropped: [WireDatagram] { lock.withLock { droppedSeen } }
    /// How many extra copies the relay made.
    var duplicated: Int { lock.withLock { duplicatedCount } }

    /// Starts the relay in this namespace. UNSUPPORTED, with the reason, outside a case's sandbox or where
    /// the relay cannot run (not root, no iptables, no NFQUEUE, a queue that cannot be bound).
    func attach(to context: WholeContext) async throws {
        guard context.base.control.limits != nil else {
            throw CaseStop.unsupported("the transparent relay runs only in the case's own network namespace (a sandbox; not with --isolation none)")
        }
        var impairments = ImpairmentConfig()
        do { impairments.rules = try rules.map { rule throws(ImpairmentParseError) in try Rule.parse(rule) } } catch {
            throw CaseStop.error("the case's relay rule does not parse: \(error)")
        }
        var configuration = TransparentConfiguration(impairments: impairments, seed: WholeGarbage.seed)
        configuration.name = "whole"
        configuration.namespaceIsPrivate = true
        configuration.serverPort = context.serverPort
        configuration.observer = { [weak self] event in self?.observe(event) }
        if let scope { configuration.scope = { source, destination in scope(source.port, destination.port) } }
        lock.withLock { self.context = context }
        do {
            let started = try TransparentRelay.start(configuration)
            lock.withLock { relay = started }
        } catch {
            // Mostly privilege (not root, no CAP_NET_ADMIN in the namespace) or the kernel (no NFQUEUE).
            throw CaseStop.unsupported("no transparent relay here: \(error)")
        }
        context.trace.note("relaying every datagram on lo through the transparent relay: \(why) (rules: \(rules.joined(separator: "; ")))", tag: "impairment")
    }

    func detach() async {
        guard let relay = lock.withLock({ () -> TransparentRelay? in defer { self.relay = nil }; return self.relay }) else { return }
        relay.stop()
        context?.trace.note("relay stopped: it dropped \(dropped.count) datagrams and made \(duplicated) extra copies", tag: "impairment")
    }

    /// On the relay's thread: a drop is kept and traced as `dropped`; any other change is a note.
    private func observe(_ event: RelayTraceEvent) {
        let verdict = event.verdict
        guard verdict != "forwarded", let context = lock.withLock({ context }) else { return }
        let from = context.party(at: event.source.port)?.name ?? "wire"
        let to = context.party(at: event.destination.port)?.name ?? event.destination.description
        let text = escapeDatagram(event.payload)
        let rule = event.rule.map { " (rule '\($0)')" } ?? ""
        if case .drop = event.decision {
            let time = context.trace.now()
            lock.withLock {
                droppedSeen.append(WireDatagram(time: time, source: event.source.port, destination: event.destination.port, payload: event.payload))
            }
            // The server is the implementation's lane: a client's loss is drawn from it, the server's toward it.
            let up = from != "server"
            context.trace.append(.dropped, node: up ? from : to, remote: (up ? event.destination : event.source).description,
                                 local: (up ? event.source : event.destination).description, text: text,
                                 bytes: event.payload, tag: "relay dropped \(from) → \(to)\(rule)", at: time, towardImplementation: up)
        } else {
            if verdict == "duplicated" { lock.withLock { duplicatedCount += 1 } }
            context.trace.note("relay \(verdict) \(from) → \(to): \(text.prefix(120))\(rule)", tag: "impairment")
        }
    }
}

extension WholeContext {
    /// Holds the server's answers back for `hold` (W-LEAVE): the relay delays every datagram from the
    /// server's port by `hold` while the server runs on; where the relay cannot run (UNSUPPORTED), the
    /// server is stopped instead (`holdServer`, released by `releaseServer`). Returns how, for the verdicts.
    func holdAnswers(for hold: Duration) async throws -> String {
        let milliseconds = Int(hold / .milliseconds(1))
        let relay = WholeRelay(rules: ["delay \(milliseconds)ms dir=down"], why: "every datagram from the server is held back \(seconds(hold))")
        do {
            try await impair(with: relay)
            return "every datagram from the server was held back by the relay"
        } catch let stop as CaseStop where stop.verdict == .unsupported {
            impairment = nil
            trace.note("no relay to hold the server's answers (\(stop.reason)): the server is held still instead")
            holdServer()
            return "the server was held still"
        }
    }

    /// Starts `relay` now, mid-session (a case that impairs only part of its session); it is detached
    /// at the end of the case. Set `impairment` before `startServer()` instead to impair from the start.
    func impair(with relay: WholeRelay) async throws {
        impairment = relay
        try await relay.attach(to: self)
    }
}
