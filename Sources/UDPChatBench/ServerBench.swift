import Foundation
import NIOCore
import NIOPosix
import UDPChatSupport
import UDPChatWire

/// `udpchat bench server`: load-tests the reference server running as a child process.
///
/// Phase 1: `clients` sockets each REGISTER an id, then keep `pipeline` LOOKUPs in flight for
/// `duration`; reports answered/s and p50/p99 latency. Phase 2: registers `registrations` more ids,
/// one per source address (source IPs cycle through 127.1.0.1 …, sockets closed once registered,
/// so the open-file limit is never reached). The server's RSS is reported before and after.
public struct ServerBench: Sendable {
    public var clients = 4
    public var pipeline = 32
    public var duration: Duration = .seconds(10)
    public var registrations = 50_000
    /// Sockets registering at the same time in phase 2.
    public var registrationBatch = 1000
    public var executable = ServerChildProcess.currentExecutable

    public init() {}

    /// Runs both phases, writing the report line by line.
    public func run(output: @escaping @Sendable (String) -> Void) async throws {
        let child = try await ServerChildProcess.start(executable: executable)
        // One event loop for the whole generator: the server child gets the other core.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await measure(child: child, loop: group.next(), output: output)
        } catch {
            try? await group.shutdownGracefully()
            await child.stop()
            throw error
        }
        try await group.shutdownGracefully()
        await child.stop()
    }

    private func measure(child: ServerChildProcess, loop: EventLoop, output: @escaping @Sendable (String) -> Void) async throws {
        let server = try SocketAddress(ipAddress: child.host, port: child.port)
        output("server: pid \(child.pid) on UDP \(child.host):\(child.port) (table printing off)")
        output("server RSS at start: \(BenchFormat.megabytes(child.residentBytes))")

        let (answered, seconds, histogram, sent) = try await lookupPhase(server: server, loop: loop)
        let rate = Int(Double(answered) / seconds)
        output("lookups: \(clients) sockets × pipeline \(pipeline) for \(duration.compactDescription): \(BenchFormat.grouped(answered)) answered in \(String(format: "%.2f", seconds)) s = \(BenchFormat.grouped(rate)) answered/s (sent \(BenchFormat.grouped(sent)))")
        output("latency: p50 \(BenchFormat.micros(histogram.percentile(0.5))), p99 \(BenchFormat.micros(histogram.percentile(0.99))), max bucket \(BenchFormat.micros(histogram.percentile(1.0)))")
        output("server RSS with \(clients) registered, after the lookup load: \(BenchFormat.megabytes(child.residentBytes))")

        if registrations > 0 {
            let start = ContinuousClock.now
            let attempts = try await registrationPhase(server: server, loop: loop, output: output)
            let elapsed = (ContinuousClock.now - start).seconds
            let rss = child.residentBytes
            output("registered \(BenchFormat.grouped(registrations)) more ids from distinct source addresses in \(String(format: "%.2f", elapsed)) s (\(BenchFormat.grouped(Int(Double(registrations) / elapsed)))/s, \(BenchFormat.grouped(attempts - registrations)) re-sends)")
            output("server RSS with \(BenchFormat.grouped(registrations + clients)) registered: \(BenchFormat.megabytes(rss))")
            output("targets: ≥ 90,000 answered/s: \(rate >= 90_000 ? "met" : "NOT met"); \(BenchFormat.grouped(registrations + clients)) registered under 100 MB RSS: \((rss ?? .max) < 100_000_000 ? "met" : "NOT met")")
        } else {
            output("target ≥ 90,000 answered/s: \(rate >= 90_000 ? "met" : "NOT met")")
        }
    }

    private func lookupPhase(server: SocketAddress, loop: EventLoop) async throws -> (Int, Double, LatencyHistogram, Int) {
        var channels: [Channel] = []
        var registered: [EventLoopFuture<Void>] = []
        for index in 0..<clients {
            let promise = loop.makePromise(of: Void.self)
            registered.append(promise.futureResult)
            let id = ClientID(1_000_000_000 + index)
            let pipeline = self.pipeline
            let channel = try await DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_rcvbuf), value: 1 << 20)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * 32))
                .channelOption(.datagramVectorReadMessageCount, value: 32)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            LookupLoad(id: id, server: server, pipeline: pipeline, registered: promise))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            channels.append(channel)
        }
        let all = channels
        defer { for channel in all { channel.close(promise: nil) } }
        try await EventLoopFuture.andAllSucceed(registered, on: loop).get()

        let started = ContinuousClock.now
        try await loop.submit {
            for channel in all { try channel.pipeline.syncOperations.handler(type: LookupLoad.self).startLoad() }
        }.get()
        try await Task.sleep(for: duration)
        let result = try await loop.submit { () throws -> (Int, LatencyHistogram, Int) in
            var answered = 0
            var sent = 0
            var histogram = LatencyHistogram()
            for channel in all {
                let load = try channel.pipeline.syncOperations.handler(type: LookupLoad.self)
                load.stopLoad()
                answered += load.answered
                sent += load.sent
                histogram.merge(load.histogram)
            }
            return (answered, histogram, sent)
        }.get()
        let seconds = (ContinuousClock.now - started).seconds
        return (result.0, seconds, result.1, result.2)
    }

    /// Registers `registrations` ids, one per source IP 127.1.x.y; returns the REGISTER transmissions.
    private func registrationPhase(server: SocketAddress, loop: EventLoop, output: @Sendable (String) -> Void) async throws -> Int {
        var attempts = 0
        var next = 0
        while next < registrations {
            let batch = min(registrationBatch, registrations - next)
            var done: [EventLoopFuture<Int>] = []
            var binds: [EventLoopFuture<Channel>] = []
            for offset in 0..<batch {
                let index = next + offset
                let id = ClientID(index + 1)
                let promise = loop.makePromise(of: Int.self)
                done.append(promise.futureResult)
                let bind = DatagramBootstrap(group: loop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(RegisterOnce(id: id, server: server, done: promise))
                        }
                    }
                    .bind(host: Self.sourceIP(index), port: 0)
                bind.whenFailure { promise.fail($0) }
                binds.append(bind)
            }
            for count in try await EventLoopFuture.whenAllSucceed(done, on: loop).get() { attempts += count }
            next += batch
        }
        return attempts
    }

    /// 127.1.0.1, 127.1.0.2, … 127.1.0.250, 127.1.1.1, …: a distinct loopback address per id.
    static func sourceIP(_ index: Int) -> String {
        "127.\(1 + index / 62_500).\((index / 250) % 250).\(index % 250 + 1)"
    }
}
