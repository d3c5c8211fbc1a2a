import CNetfilterQueue
import UDPChatCapture
import UDPChatProxy
import UDPChatRelay
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

// The transparent relay's thread: waits on the queue's socket and the timer, hands each queued datagram
// to the sans-I/O TransparentCore, and carries out what it says (verdicts, injections, trace, tap).
// Everything here is touched only on that thread.

final class TransparentLoop: @unchecked Sendable {
    private var core: TransparentCore
    private let queue: NetfilterQueue
    private let injector: RawInjector
    private let rule: QueueRule
    private let trace: TraceWriter?
    private let tap: (@Sendable (TappedDatagram) -> Void)?
    private let observer: (@Sendable (RelayTraceEvent) -> Void)?
    private let shared: RelayShared
    private let name: String
    private let origin: Int64
    /// The proxy's early-armed timer: wakes before a delayed copy is due by the lateness learned so far.
    private var releaseTimer = ReleaseTimer(batch: TransparentLoop.releaseBatch)
    /// What the OS wait is set for (nil: no deadline), and whether to check again without sleeping.
    private var wakeAt: Instant?
    private var polling = false
    private var effects: [TransparentEffect] = []
    private var lastFlush = Instant.zero

    /// Copies due within this much leave together (as the proxy's `Link.releaseBatch`).
    static let releaseBatch = Duration.microseconds(2)

    init(configuration: TransparentConfiguration, queue: NetfilterQueue, injector: RawInjector, rule: QueueRule, trace: TraceWriter?,
         shared: RelayShared) {
        core = TransparentCore(configuration: configuration.relay, serverPort: configuration.serverPort, scope: configuration.scope)
        self.queue = queue
        self.injector = injector
        self.rule = rule
        self.trace = trace
        tap = configuration.tap
        observer = configuration.observer
        self.shared = shared
        name = configuration.name
        origin = Self.monotonic()
    }

    /// Relays until asked to stop, then cleans up and signals `shared.done`.
    func run() {
        var fds = [pollfd(fd: queue.fd, events: Int16(POLLIN), revents: 0), pollfd(fd: shared.wake.read, events: Int16(POLLIN), revents: 0)]
        while !shared.stopRequested {
            _ = udpchat_ppoll(&fds, 2, timeoutNanoseconds())
            for packet in queue.receive() { handle(packet) }
            if let at = wakeAt, now() >= at {
                wakeAt = nil
                act(releaseTimer.woke(now: now()))
            } else if polling {
                polling = false
                act(releaseTimer.check(now: now()))
            }
            shared.stats = core.stats
            if now() - lastFlush >= .seconds(1) {
                trace?.flush()
                lastFlush = now()
            }
        }
        finish()
    }

    /// Until the timer is due (0 while polling for a deadline), at most a second (the trace is flushed every second).
    private func timeoutNanoseconds() -> Int64 {
        if polling { return 0 }
        guard let wakeAt else { return 1_000_000_000 }
        return max(0, min(1_000_000_000, (wakeAt - now()).nanoseconds))
    }

    /// Carries out what the release timer says.
    private func act(_ action: ReleaseTimer.Action) {
        switch action {
        case .none: break
        case .schedule(let at): (wakeAt, polling) = (at, false)
        case .poll: (wakeAt, polling) = (nil, true)
        case .fire:
            core.timerFired(now: now(), batch: Self.releaseBatch, into: &effects)
            perform()
        }
    }

    /// One queued packet: a UDP/IPv4 datagram goes through the core; anything else passes untouched.
    private func handle(_ packet: QueuedPacket) {
        guard case .udp(let datagram) = PacketParser.parseIP(packet.bytes), packet.bytes.first.map({ $0 >> 4 == 4 }) == true else {
            queue.verdict(packet.id, accept: true)
            return
        }
        tap?(TappedDatagram(point: .received, timestamp: wallClock(), source: datagram.source, destination: datagram.destination,
                            payload: datagram.payload))
        let verdict = core.packet(datagram.payload, from: datagram.source, to: datagram.destination, now: now(), into: &effects)
        switch verdict {
        case .accept:
            queue.verdict(packet.id, accept: true)
            sent(datagram.source, datagram.destination, datagram.payload)
        case .acceptModified(let bytes):
            if let ip = try? PacketSynthesis.ipPacket(source: datagram.source, destination: datagram.destination, payload: bytes) {
                queue.verdict(packet.id, accept: true, replacement: ip)
                sent(datagram.source, datagram.destination, bytes)
            } else {
                queue.verdict(packet.id, accept: false)
            }
        case .drop:
            queue.verdict(packet.id, accept: false)
        }
        perform()
    }

    /// Carries out the effects the core returned (in order), then forgets them.
    private func perform() {
        for effect in effects {
            switch effect {
            case .inject(let source, let destination, let payload):
                if injector.send(source: source, destination: destination, payload: payload) { sent(source, destination, payload) }
            case .armTimer(let at):
                act(releaseTimer.arm(at, now: now()))
            case .trace(let event):
                trace?.write(event.jsonLine)
                observer?(event)
            case .flowLimited(let source, let destination, let size):
                trace?.write(RelayTraceEvent.flowLimitLine(time: now(), link: name, source: source, destination: destination, size: size))
            case .control(let record):
                trace?.write(record.jsonLine(link: name))
            }
        }
        effects.removeAll(keepingCapacity: true)
    }

    private func sent(_ source: Endpoint, _ destination: Endpoint, _ payload: [UInt8]) {
        tap?(TappedDatagram(point: .sent, timestamp: wallClock(), source: source, destination: destination, payload: payload))
    }

    /// The rule goes first (from this thread, in the relay's namespace), then what is still queued
    /// passes untouched, then every delayed copy leaves; the trace is closed and the counters published.
    private func finish() {
        rule.remove()
        for packet in queue.receive() { queue.verdict(packet.id, accept: true) }
        core.stop(into: &effects)
        perform()
        shared.stats = core.stats
        trace?.close()
        queue.close()
        injector.close()
        shared.done.signal()
    }

    private func now() -> Instant { Instant(nanoseconds: Self.monotonic() - origin) }

    private static func monotonic() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
