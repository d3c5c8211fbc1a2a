import Logging
import NIOCore
import NIOPosix
import UDPChatCore
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// How to run a chat server.
public struct ChatServerOptions: Sendable {
    /// Address to bind (an IP literal; `localhost` means 127.0.0.1).
    public var host: String
    /// UDP port to bind; 0 lets the OS choose (see `ChatServer.localAddress`).
    public var port: Int
    /// Registry settings (expiry).
    public var registry: ServerConfig
    /// Datagrams read per `recvmmsg` call.
    public var vectorReadCount: Int
    /// Socket receive buffer (SO_RCVBUF) to ask for, so bursts are queued rather than dropped
    /// (the kernel caps it at net.core.rmem_max).
    public var receiveBufferSize: Int
    /// Called on the event loop with the whole table after every change (once per read batch), and only then.
    /// nil turns table printing off (benchmarks).
    public var onTableChange: (@Sendable ([TableRow]) -> Void)?
    /// The wire format it speaks (docs/DIALECTS.md); the contract's by default.
    public var dialect: Dialect = .default

    public init(
        host: String = "127.0.0.1", port: Int = Int(ProtocolDefaults.port), registry: ServerConfig = ServerConfig(),
        vectorReadCount: Int = 32, receiveBufferSize: Int = 4 << 20, onTableChange: (@Sendable ([TableRow]) -> Void)? = nil
    ) {
        self.host = host
        self.port = port
        self.registry = registry
        self.vectorReadCount = vectorReadCount
        self.receiveBufferSize = receiveBufferSize
        self.onTableChange = onTableChange
    }
}

/// The reference chat server: a `ServerRegistry` driven over one unconnected NIO UDP socket.
public final class ChatServer: Sendable {
    /// Largest datagram a receive slot holds: bigger than any UDP payload, so an oversized datagram
    /// arrives whole and is rejected as too long instead of being truncated.
    public static let receiveSlot = 65_536

    public let channel: Channel
    /// Where the server listens (the OS-chosen port when bound to port 0).
    public let localAddress: Endpoint

    private init(channel: Channel, localAddress: Endpoint) {
        self.channel = channel
        self.localAddress = localAddress
    }

    /// Binds and starts serving. Throws `UDPChatError` (`.cannotBind`) (port in use …) with a clear reason.
    public static func start(
        _ options: ChatServerOptions, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "udpchat.server")
    ) async throws -> ChatServer {
        let host = options.host == "localhost" ? "127.0.0.1" : options.host
        let slots = max(1, options.vectorReadCount)
        var bootstrap = DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 0)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(options.receiveBufferSize))
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: receiveSlot * slots))
            .channelOption(.maxMessagesPerRead, value: 8)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ServerHandler(config: options.registry, dialect: options.dialect, onTableChange: options.onTableChange, logger: logger))
                }
            }
        #if os(Linux)
        if slots > 1 { bootstrap = bootstrap.channelOption(.datagramVectorReadMessageCount, value: slots) }
        #endif
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: host, port: options.port).get()
        } catch {
            throw UDPChatError.bind(error, host: host, port: options.port)
        }
        guard let local = channel.localAddress.flatMap(Endpoint.init) else {
            try? await channel.close()
            throw UDPChatError.cannotBind(host: host, port: options.port, reason: "no local address")
        }
        logger.debug("server listening", metadata: ["address": "\(local)"])
        return ChatServer(channel: channel, localAddress: local)
    }

    /// The counters and the table now.
    public func snapshot() async throws -> ServerSnapshot {
        let channel = self.channel
        return try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ServerHandler.self).snapshot
        }.get()
    }

    /// Stops serving and closes the socket.
    public func close() async throws {
        try await channel.close()
    }

    /// Waits until the socket is closed.
    public func waitClosed() async throws {
        try await channel.closeFuture.get()
    }
}

/// Formats the server's table of active clients for the console.
public enum TableFormat {
    /// `id  host  port` rows under a header; one line "(no active clients)" when empty.
    public static func render(_ rows: [TableRow]) -> String {
        var lines = ["active clients: \(rows.count)"]
        if rows.isEmpty {
            lines.append("  (no active clients)")
        } else {
            let idWidth = max(2, rows.map { String($0.id).count }.max() ?? 2)
            let hostWidth = max(4, rows.map { $0.reachable.host.count }.max() ?? 4)
            lines.append("  " + pad("id", idWidth) + "  " + pad("host", hostWidth) + "  port")
            for row in rows {
                lines.append("  " + pad(String(row.id), idWidth) + "  " + pad(row.reachable.host, hostWidth) + "  \(row.reachable.port)")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
