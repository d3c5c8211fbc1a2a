import Foundation
import NIOCore
import NIOPosix
import UDPChatImpairment
import UDPChatSupport

/// A running impairment proxy: one or more listen → target links on one event loop.
///
/// ```swift
/// let proxy = try await ProxyServer.start(config: ProxyConfiguration(listen: l, target: t, seed: 1))
/// print(proxy.localAddress)      // where clients send
/// let stats = await proxy.stats()
/// await proxy.stop()
/// ```
public final class ProxyServer: Sendable {
    /// Where each link given at start listens (the OS's port where the configuration said 0), in
    /// link order. Links added at run time: `localAddress(link:)`.
    public let localAddresses: [Endpoint]
    /// The seed in use.
    public let seed: UInt64
    /// The links now (changed on the event loop by `addLink` and `removeLink`).
    var links: [Link] { table.links }
    let table: LinkTable
    /// Builds a link as `start` did (for `addLink`).
    let factory: LinkFactory
    let eventLoop: any EventLoop
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let trace: TraceBox
    /// Set by `stop()`: later `stats()` calls answer from it (the event loop may be gone).
    private let finalStats = LockedStats()

    /// The first link's listening address.
    public var localAddress: Endpoint { localAddresses[0] }

    /// The listening address of the link named `name` (given at start or added since).
    public func localAddress(link name: String) -> Endpoint? {
        links.first { $0.configuration.name == name }?.listenEndpoint
    }

    private init(links: [Link], factory: LinkFactory, eventLoop: any EventLoop, ownedGroup: MultiThreadedEventLoopGroup?, trace: TraceBox, seed: UInt64) {
        self.table = LinkTable(links)
        self.factory = factory
        self.eventLoop = eventLoop
        self.ownedGroup = ownedGroup
        self.trace = trace
        self.seed = seed
        self.localAddresses = links.map(\.listenEndpoint)
    }

    /// Binds every link and starts relaying.
    /// - Parameter group: where to run; nil = a private one-thread group (shut down by `stop()`).
    ///   All links run on one event loop of the group.
    public static func start(config: ProxyConfiguration, group: (any EventLoopGroup)? = nil) async throws -> ProxyServer {
        guard !config.links.isEmpty else { throw UDPChatError.proxySetup("no links to relay") }
        var names = Set<String>()
        for link in config.links where !names.insert(link.name).inserted {
            throw UDPChatError.proxySetup("two links are named '\(link.name)'")
        }
        let owned = group == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        let eventLoop = (group ?? owned!).next()
        do {
            let writer = try config.tracePath.map { path throws(UDPChatError) in try TraceWriter(path: path) }
            let factory = LinkFactory(config: config, eventLoop: eventLoop, origin: NIODeadline.now().uptimeNanoseconds, trace: writer)
            let links = try config.links.map { try factory.make($0) }
            let box = TraceBox(writer)
            do {
                try await eventLoop.flatSubmit {
                    EventLoopFuture.andAllSucceed(links.map { $0.start() }, on: eventLoop)
                }.get()
            } catch {
                try? await eventLoop.flatSubmit { EventLoopFuture.andAllComplete(links.map { $0.stop() }, on: eventLoop) }.get()
                throw error
            }
            return ProxyServer(links: links, factory: factory, eventLoop: eventLoop, ownedGroup: owned, trace: box, seed: config.seed)
        } catch {
            try? await owned?.shutdownGracefully()
            throw error
        }
    }

    /// A snapshot of every link's counters.
    public func stats() async -> ProxyStats {
        let links = self.links
        let start = factory.origin
        let snapshot: @Sendable () -> ProxyStats = {
            ProxyStats(links: links.map { $0.snapshot() }, uptime: Double(NIODeadline.now().uptimeNanoseconds &- start) / 1e9)
        }
        if let final = finalStats.value { return final }
        return (try? await eventLoop.submit(snapshot).get()) ?? ProxyStats(links: [], uptime: 0)
    }

    /// Stops relaying: sends every delayed copy at once, closes every socket, flushes and closes
    /// the trace. Returns the final counters (later `stats()` calls return them too).
    @discardableResult
    public func stop() async -> ProxyStats {
        if let final = finalStats.value { return final }
        let links = table.close()
        let trace = self.trace
        let eventLoop = self.eventLoop
        try? await eventLoop.flatSubmit {
            EventLoopFuture.andAllComplete(links.map { $0.stop() }, on: eventLoop)
        }.get()
        let final = await stats()
        finalStats.value = final
        try? await eventLoop.submit { trace.writer?.close() }.get()
        try? await ownedGroup?.shutdownGracefully()
        return final
    }
}

/// The trace writer, touched only on the proxy's event loop.
final class TraceBox: @unchecked Sendable {
    let writer: TraceWriter?
    init(_ writer: TraceWriter?) { self.writer = writer }
}

/// The counters at stop, readable from any thread.
final class LockedStats: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: ProxyStats?
    var value: ProxyStats? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
