// The wire between a whole submission's parties: every UDP datagram on the case's loopback, captured
// live (UDPChatCapture's WireTap), put into the case's trace and kept for the W-* cases to judge.
import Foundation
import UDPChatCapture
import UDPChatSupport

/// One datagram seen on the wire, at its trace time.
public struct WireDatagram: Sendable {
    public var time: Duration
    public var source: UInt16
    public var destination: UInt16
    public var payload: [UInt8]
}

final class WholeWire: @unchecked Sendable {
    private let lock = NSLockBox()
    private var seen: [WireDatagram] = []
    private var tap: WireTap?
    /// Ports of the grader's own sockets (the garbage sender): not the submission's traffic.
    private var ignored: Set<UInt16> = []
    /// When the parties' sockets were last re-read for a datagram of unknown ports (`refreshDue`).
    private var lastRefresh = ContinuousClock.now - .seconds(1)
    /// The trace time the capture last saw any datagram, the grader's own included (a server busy
    /// re-sending to a garbage sender's port is not quiet).
    private var lastAny: Duration = .zero
    /// Why there is no capture, when there is none.
    private(set) var unavailable: String?

    /// Starts capturing on `lo`. In the case's sandbox that loopback is the case's own, so everything on
    /// it is captured; on the host (`--isolation none`) only what goes to or from the server's `port`
    /// (client-to-client datagrams are then not in the trace), unless `captureAll`: then every UDP datagram
    /// on `lo` is seen and those to or from a party's ports are kept. Without the privilege to capture, the
    /// cases that need the wire say so.
    func start(context: WholeContext, port: UInt16) throws {
        let sandboxed = context.base.control.limits != nil
        do {
            let filter = sandboxed || context.captureAll ? "udp" : "udp and port \(port)"
            let tap = try WireTap(interface: "lo", filter: filter) { [weak self, weak context] datagram in
                guard let self, let context else { return }
                self.record(datagram, context: context, everything: sandboxed)
            }
            tap.start()
            lock.withLock { self.tap = tap }
            context.trace.note("capturing the datagrams between the parties on lo")
        } catch {
            unavailable = "no capture of the wire: \(error.description)"
            context.trace.note(unavailable!)
        }
    }

    func stop() {
        let tap = lock.withLock { () -> WireTap? in defer { self.tap = nil }; return self.tap }
        tap?.stop()
    }

    /// When the capture last saw a datagram of any kind (zero: none yet).
    var lastActivity: Duration { lock.withLock { lastAny } }

    func ignore(_ port: UInt16) { _ = lock.withLock { ignored.insert(port) } }

    /// Why the capture stopped early, when it did.
    var failure: String? { lock.withLock { tap }?.failure }

    /// Every datagram seen so far.
    var datagrams: [WireDatagram] { lock.withLock { seen } }

    private func record(_ datagram: UDPDatagram, context: WholeContext, everything: Bool) {
        let source = datagram.source.port, destination = datagram.destination.port
        let now = context.trace.now()
        let grader = lock.withLock { () -> Bool in
            lastAny = now
            return ignored.contains(source) || ignored.contains(destination)
        }
        if grader { return }
        var from = context.party(at: source), to = context.party(at: destination)
        if from == nil || to == nil, everything || !context.captureAll || from != nil || to != nil || refreshDue() {
            for party in context.clients { party.refreshSockets() }
            from = context.party(at: source)
            to = context.party(at: destination)
        }
        // A client's first datagrams may come before its socket was read: one sent to the server from
        // a port nobody holds is the only running client's when one runs (a case's second session stopped the first).
        let running = context.clients.filter { $0.exited == nil }
        if from == nil, to?.name == "server", running.count == 1, let only = running.first {
            only.attribute(port: source)
            from = only
        }
        guard everything || from != nil || to != nil else { return }
        // The time it was on the wire (the capture's own timestamp), not when the tap thread got to it.
        let delay = max(0, Date().timeIntervalSince1970 - datagram.timestamp)
        let time = max(.zero, context.trace.now() - .milliseconds(Int64(delay * 1000)))
        lock.withLock { seen.append(WireDatagram(time: time, source: source, destination: destination, payload: datagram.payload)) }
        trace(datagram, from: from?.name, to: to?.name, at: time, in: context.trace)
    }

    /// On the host with `captureAll` every UDP datagram on `lo` comes here, most of them strangers': for
    /// one with neither end known the parties' sockets are re-read at most every 50 ms, or the tap falls
    /// behind a busy host (one end known, as a new client's first datagram to the server: always).
    private func refreshDue() -> Bool {
        lock.withLock {
            let now = ContinuousClock.now
            guard now - lastRefresh >= .milliseconds(50) else { return false }
            lastRefresh = now
            return true
        }
    }

    /// The datagram in the trace's terms: the server is the implementation's lane and each client a
    /// node, so a client's datagram to the server is `sent` by that node and the server's answer is
    /// `received` by it; one between clients is `sent` by its sender, tagged with its receiver.
    private func trace(_ datagram: UDPDatagram, from: String?, to: String?, at time: Duration, in trace: Trace) {
        let text = escapeDatagram(datagram.payload), bytes = datagram.payload
        let source = datagram.source.description, destination = datagram.destination.description
        if from == "server" {
            trace.append(.received, node: to ?? "wire", remote: source, local: destination, text: text, bytes: bytes, at: time)
        } else {
            let tag = to == "server" ? nil : "to \(to ?? destination)"
            trace.append(.sent, node: from ?? "wire", remote: destination, local: source, text: text, bytes: bytes, tag: tag, at: time)
        }
    }

    /// Datagrams from `sources` to `destinations` since `after`.
    func between(_ sources: Set<UInt16>, _ destinations: Set<UInt16>, after: Duration = .zero) -> [WireDatagram] {
        datagrams.filter { $0.time >= after && sources.contains($0.source) && destinations.contains($0.destination) }
    }
}
