import Foundation
import NIOCore
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport

// Links created and removed while the proxy runs (the control API's `POST /links` and
// `DELETE /links/NAME`, toxiproxy's meaning): built by the same `LinkFactory` as the links given
// at start, so a new link has the proxy's seed, flow settings, trace, tap and observer.

extension ProxyServer {
    /// Starts a new link. Its start configuration (what `restore` goes back to) is `configuration`.
    /// Unless set otherwise, its rules and trace read the format of the proxy's first link.
    public func addLink(_ configuration: LinkConfiguration) async throws(ControlError) -> LinkState {
        var configuration = configuration
        if configuration.impairments.reader == .contract, let first = links.first {
            configuration.impairments.reader = first.configuration.impairments.reader
        }
        let link: Link
        do { link = try factory.make(configuration) } catch { throw .cannotCreate(configuration.name, "\(error)") }
        if let refusal = table.insert(link) { throw refusal }
        do {
            try await eventLoop.flatSubmit { link.start() }.get()
        } catch {
            table.remove(configuration.name)
            try? await eventLoop.flatSubmit { link.stop() }.get()
            throw .cannotCreate(configuration.name, "\(error)")
        }
        do { return try await eventLoop.submit { link.controlState() }.get() } catch { throw .unknownLink(configuration.name) }
    }

    /// Stops the link named `name` (delayed copies go out at once, its sockets close) and forgets it;
    /// its counters leave the proxy's totals with it.
    public func removeLink(_ name: String) async throws(ControlError) {
        guard let link = table.remove(name) else { throw .unknownLink(name) }
        try? await eventLoop.flatSubmit { link.stop() }.get()
    }
}

/// How the proxy builds a link: what every link shares (seed, flow settings, clock origin, trace,
/// tap, observer). Holds the trace writer, which is only used on the event loop.
struct LinkFactory: @unchecked Sendable {
    let seed: UInt64
    let eventLoop: any EventLoop
    /// `NIODeadline` uptime at the proxy's start: time zero of traces and counters.
    let origin: UInt64
    let flowIdle: Duration
    let maxFlows: Int
    let countVerbs: Bool
    let trace: TraceWriter?
    let tap: (@Sendable (TappedDatagram) -> Void)?
    let observer: (@Sendable (TraceEvent) -> Void)?

    init(config: ProxyConfiguration, eventLoop: any EventLoop, origin: UInt64, trace: TraceWriter?) {
        seed = config.seed
        self.eventLoop = eventLoop
        self.origin = origin
        flowIdle = config.flowIdle
        maxFlows = config.maxFlows
        countVerbs = config.countVerbs
        self.trace = trace
        tap = config.tap
        observer = config.observer
    }

    func make(_ configuration: LinkConfiguration) throws -> Link {
        var configuration = configuration
        configuration.countVerbs = configuration.countVerbs ?? countVerbs
        return try Link(configuration: configuration, seed: seed, eventLoop: eventLoop, origin: origin, flowIdle: flowIdle,
                        maxFlows: maxFlows, trace: trace, tap: tap, observer: observer)
    }
}

/// The proxy's links, readable from any thread; changed by `addLink`, `removeLink` and `stop`.
final class LinkTable: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Link]
    private var closed = false

    init(_ links: [Link]) { stored = links }

    var links: [Link] { lock.withLock { stored } }

    /// Adds `link` unless its name is taken or the proxy is stopping; else why not.
    func insert(_ link: Link) -> ControlError? {
        lock.withLock { () -> ControlError? in
            let name = link.configuration.name
            if closed { return .cannotCreate(name, "the proxy is stopping") }
            if stored.contains(where: { $0.configuration.name == name }) { return .linkExists(name) }
            stored.append(link)
            return nil
        }
    }

    @discardableResult
    func remove(_ name: String) -> Link? {
        lock.withLock { () -> Link? in
            guard let index = stored.firstIndex(where: { $0.configuration.name == name }) else { return nil }
            return stored.remove(at: index)
        }
    }

    /// No more links may be added; returns those there are (to stop them).
    func close() -> [Link] {
        lock.withLock {
            closed = true
            return stored
        }
    }
}
