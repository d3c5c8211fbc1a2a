import Foundation
import NIOCore
import NIOPosix
import UDPChatImpairment
import UDPChatProxy
import UDPChatProxyControl
import UDPChatSupport

/// A loopback UDP socket that records what it receives.
final class UDPPeer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let lock = NSLock()
    private var items: [String] = []
    private var channel: (any Channel)?
    var endpoint = Endpoint(host: "127.0.0.1", port: 0)

    static func bind(group: any EventLoopGroup) async throws -> UDPPeer {
        let peer = UDPPeer()
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(peer) } }
            .bind(host: "127.0.0.1", port: 0).get()
        peer.channel = channel
        peer.endpoint = Endpoint(host: "127.0.0.1", port: UInt16(channel.localAddress?.port ?? 0))
        return peer
    }

    var received: [String] { lock.withLock { items } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = String(buffer: unwrapInboundIn(data).data)
        lock.withLock { items.append(text) }
    }

    func send(_ text: String, to endpoint: Endpoint) async throws {
        let address = try SocketAddress(ipAddress: endpoint.host, port: Int(endpoint.port))
        try await channel!.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: text))).get()
    }

    /// Waits (at most 5 s) until `text` has arrived.
    func waitFor(_ text: String) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while !received.contains(text), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        return received.contains(text)
    }

    func close() async { try? await channel?.close() }
}

struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: String
}

/// One request over a fresh TCP connection (`Connection: close`), read until the server closes.
func http(_ method: String, _ path: String, body: String? = nil, to endpoint: Endpoint) async throws -> HTTPReply {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: endpoint.host, port: Int(endpoint.port)) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    var request = "\(method) \(path) HTTP/1.1\r\nHost: \(endpoint)\r\nConnection: close\r\n"
    if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)" } else { request += "\r\n" }
    let raw = try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: request))
        var all = ByteBuffer()
        for try await var chunk in inbound { all.writeBuffer(&chunk) }
        return String(buffer: all)
    }
    guard let split = raw.range(of: "\r\n\r\n") else { return HTTPReply(status: 0, headers: [:], body: raw) }
    let lines = raw[..<split.lowerBound].components(separatedBy: "\r\n")
    let status = Int(lines[0].split(separator: " ")[1]) ?? 0
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        if let colon = line.firstIndex(of: ":") {
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    return HTTPReply(status: status, headers: headers, body: String(raw[split.upperBound...]))
}

/// Writes `bytes` on one TCP connection and reads until the server closes it.
func rawExchange(_ text: String, to endpoint: Endpoint) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: endpoint.host, port: Int(endpoint.port)) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: text))
        var all = ByteBuffer()
        for try await var chunk in inbound { all.writeBuffer(&chunk) }
        return String(buffer: all)
    }
}

/// A proxy between a client peer and a target peer, with its control API on loopback.
struct ControlRig {
    /// How a test's requests reach the API: over HTTP on a socket, or straight to its router (no HTTP
    /// socket): one test body runs both ways, as Hummingbird's router and live test frameworks do.
    enum Transport: String, CaseIterable, Sendable, CustomStringConvertible {
        case http, router
        var description: String { rawValue }
    }

    let transport: Transport
    let group: MultiThreadedEventLoopGroup
    let client: UDPPeer
    let target: UDPPeer
    let proxy: ProxyServer
    let control: ControlServer
    let tracePath: String
    /// The lines the API said it changed (what the proxy's console shows).
    let changes: ChangeLog

    final class ChangeLog: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ line: String) { lock.withLock { items.append(line) } }
        var lines: [String] { lock.withLock { items } }
    }

    static func start(impairments: ImpairmentConfig = ImpairmentConfig(), countVerbs: Bool = false, transport: Transport = .http) async throws -> ControlRig {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try await UDPPeer.bind(group: group)
        let target = try await UDPPeer.bind(group: group)
        var config = ProxyConfiguration(listen: Endpoint(host: "127.0.0.1", port: 0), target: target.endpoint, impairments: impairments, seed: 5)
        let tracePath = FileManager.default.temporaryDirectory.appendingPathComponent("udpchat-control-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        config.tracePath = tracePath
        config.countVerbs = countVerbs
        let proxy = try await ProxyServer.start(config: config)
        let changes = ChangeLog()
        let control = try await ControlServer.start(at: Endpoint(host: "127.0.0.1", port: 0), proxy: proxy, version: "9.9.9",
                                                    onChange: { changes.add($0) })
        return ControlRig(transport: transport, group: group, client: client, target: target, proxy: proxy, control: control, tracePath: tracePath, changes: changes)
    }

    func send(_ text: String) async throws { try await client.send(text, to: proxy.localAddress) }

    func request(_ method: String, _ path: String, _ body: String? = nil) async throws -> HTTPReply {
        switch transport {
        case .http:
            return try await http(method, path, body: body, to: control.localAddress)
        case .router:
            let answer = await control.router.handle(method: method, uri: path, body: Array((body ?? "").utf8))
            return HTTPReply(status: answer.status, headers: ["content-type": answer.contentType], body: answer.body)
        }
    }

    /// Waits until the proxy has received `count` datagrams up (they were all decided).
    func waitReceived(_ count: UInt64) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if (await proxy.linkStates().first?.stats.up.received ?? 0) >= count { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// Stops everything; returns the trace's lines.
    func finish() async throws -> [String] {
        await control.stop()
        await proxy.stop()
        await client.close()
        await target.close()
        try? await group.shutdownGracefully()
        defer { try? FileManager.default.removeItem(atPath: tracePath) }
        return try String(contentsOfFile: tracePath, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}
