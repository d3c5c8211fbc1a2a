import Foundation
import UDPChatProxy
import UDPChatRelay
import UDPChatSupport

// The public handle of transparent mode: start it in a private network namespace, read its counters,
// stop it. The work happens on one thread of its own (TransparentLoop).

/// A running transparent relay. Every UDP datagram sent on the namespace's loopback passes through the
/// relay core (impairments, rules, counters, trace) with its addresses unchanged.
public final class TransparentRelay: Sendable {
    private let shared: RelayShared
    /// The counters' and traces' seed (repeat a run with it).
    public let seed: UInt64
    public let name: String
    public let serverPort: UInt16?

    /// Starts the relay in the calling thread's network namespace: checks it is private, binds the
    /// queue, opens the raw socket, installs the NFQUEUE rule, starts the relay's thread (which
    /// inherits the namespace). Returns once packets are being relayed. Needs root (CAP_NET_ADMIN, CAP_NET_RAW).
    public static func start(_ configuration: TransparentConfiguration) throws(UDPChatError) -> TransparentRelay {
        guard configuration.namespaceIsPrivate else {
            throw .transparentNotPrivate(
                "refusing to change the firewall of a network namespace not declared private (namespaceIsPrivate, --private-namespace)")
        }
        try PrivateNamespace.check()
        let trace = try configuration.tracePath.map { path throws(UDPChatError) in try TraceWriter(path: path) }
        let queue = try NetfilterQueue(number: configuration.queue, maxLength: configuration.queueLength)
        let injector = try RawInjector(mark: configuration.mark)
        let rule = QueueRule(queue: configuration.queue, mark: configuration.mark)
        try rule.install()
        guard let shared = RelayShared(stats: TransparentCore(configuration: configuration.relay, serverPort: configuration.serverPort).stats) else {
            rule.remove()
            throw .transparentSetup("cannot make the relay's wake-up pipe: \(NetfilterQueue.reason())")
        }
        let loop = TransparentLoop(configuration: configuration, queue: queue, injector: injector, rule: rule, trace: trace, shared: shared)
        let thread = Thread { loop.run() }
        thread.name = "udpchat-transparent"
        thread.start()
        return TransparentRelay(shared: shared, configuration: configuration)
    }

    private init(shared: RelayShared, configuration: TransparentConfiguration) {
        self.shared = shared
        seed = configuration.seed
        name = configuration.name
        serverPort = configuration.serverPort
    }

    /// The counters now (as of the relay's last batch of packets).
    public func stats() -> LinkStats { shared.stats }

    /// Stops: removes the rule (from the relay's own thread, in its namespace), lets through what is
    /// still queued, injects every delayed copy at once, closes the trace. Returns the final counters.
    /// Waits at most `timeout` for the relay's thread; calling it again returns the same counters.
    @discardableResult
    public func stop(timeout: Duration = .seconds(10)) -> LinkStats {
        shared.requestStop()
        _ = shared.done.wait(timeout: .now() + .nanoseconds(Int(timeout.nanoseconds)))
        shared.done.signal()  // a second stop() does not wait again
        return shared.stats
    }

    /// The counters now, as `udpchat transparent` prints them.
    public func report() -> String { Self.report(stats(), serverPort: serverPort) }

    /// Counters as `udpchat transparent` prints them: the proxy's lines under a head naming the loopback.
    public static func report(_ stats: LinkStats, serverPort: UInt16?) -> String {
        let port = serverPort.map { " (toward port \($0): up)" } ?? ""
        let head = "[\(stats.name)] every UDP datagram on lo\(port)  pairs \(stats.activeFlows) (opened \(stats.flowsOpened), expired \(stats.flowsExpired))"
        return ProxyStats.report(stats, head: head).joined(separator: "\n")
    }
}

/// What the relay's thread and its callers share: the published counters, the stop request.
final class RelayShared: @unchecked Sendable {
    private let lock = NSLock()
    private var published: LinkStats
    private var stopping = false
    /// The relay's thread waits on the read end; `requestStop` writes to the other.
    let wake: (read: Int32, write: Int32)
    /// Signalled once when the relay's thread has finished.
    let done = DispatchSemaphore(value: 0)

    init?(stats: LinkStats) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        wake = (ends[0], ends[1])
        published = stats
    }

    var stats: LinkStats {
        get { lock.withLock { published } }
        set { lock.withLock { published = newValue } }
    }

    var stopRequested: Bool { lock.withLock { stopping } }

    func requestStop() {
        let first = lock.withLock { () -> Bool in
            defer { stopping = true }
            return !stopping
        }
        if first { _ = withUnsafeBytes(of: UInt8(1)) { write(wake.write, $0.baseAddress, 1) } }
    }

    deinit {
        close(wake.read)
        close(wake.write)
    }
}
