import NIOCore
import NIOHTTP1
import NIOPosix
import UDPChatProxy
import UDPChatSupport

/// The proxy's live control API over HTTP/1.1 (`udpchat proxy --control 127.0.0.1:PORT`):
/// one NIO server channel, one task per connection, every request answered by `ControlRouter`.
///
/// ```swift
/// let control = try await ControlServer.start(at: Endpoint(host: "127.0.0.1", port: 0), proxy: proxy)
/// print(control.localAddress)   // curl http://\(control.localAddress)/links
/// await control.stop()
/// ```
public final class ControlServer: Sendable {
    public typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// Where the API listens (the OS's port when 0 was asked for).
    public let localAddress: Endpoint
    public let router: ControlRouter
    private let channel: any Channel
    private let task: Task<Void, Never>

    private init(localAddress: Endpoint, router: ControlRouter, channel: any Channel, task: Task<Void, Never>) {
        self.localAddress = localAddress
        self.router = router
        self.channel = channel
        self.task = task
    }

    /// Largest request body accepted (a PATCH or a rule is a few hundred bytes).
    static let maxBody = 64 * 1024

    /// A bind failure in words: `address already in use`, not NIO's `bind(descriptor:ptr:bytes:)`.
    static func reason(_ error: any Error) -> String { SocketErrorText.reason(error) }

    /// True for 127.0.0.0/8 and ::1: addresses only this machine can reach.
    public static func isLoopback(_ host: String) -> Bool {
        host.hasPrefix("127.") || host == "::1" || host == "0:0:0:0:0:0:0:1"
    }

    /// Binds and starts serving. Refuses a non-loopback address unless `allowRemote`: whoever
    /// can reach the API can change every impairment.
    /// `version` is what `GET /version` answers; `onChange` hears one line per change made through the API.
    public static func start(at endpoint: Endpoint, allowRemote: Bool = false, proxy: any ProxyControlling, version: String = "unknown",
                             onChange: @escaping @Sendable (String) -> Void = { _ in },
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(ControlServerError) -> ControlServer {
        if !allowRemote, !isLoopback(endpoint.host) { throw .notLoopback(endpoint) }
        let router = ControlRouter(proxy: proxy, version: version, onChange: onChange)
        let server: NIOAsyncChannel<Connection, Never>
        do {
            server = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: endpoint.host, port: Int(endpoint.port)) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .cannotBind(endpoint, Self.reason(error))
        }
        let port = server.channel.localAddress?.port ?? Int(endpoint.port)
        let task = Task {
            _ = try? await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await Self.serve(connection, router: router) }
                    }
                }
            }
        }
        return ControlServer(localAddress: Endpoint(host: endpoint.host, port: UInt16(port)), router: router, channel: server.channel, task: task)
    }

    /// Stops accepting and closes open connections.
    public func stop() async {
        try? await channel.close()
        task.cancel()
        _ = await task.value
    }

    private static func serve(_ connection: Connection, router: ControlRouter) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            var tooLarge = false
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body.clear()
                    tooLarge = false
                case .body(var chunk):
                    if body.readableBytes + chunk.readableBytes > maxBody { tooLarge = true } else { body.writeBuffer(&chunk) }
                case .end:
                    guard let h = head else { continue }
                    let response = tooLarge
                        ? ControlResponse.error(413, "the body is larger than \(maxBody) bytes")
                        : await router.handle(method: h.method.rawValue, uri: h.uri, body: Array(body.readableBytesView))
                    var headers = HTTPHeaders()
                    headers.add(name: "content-type", value: response.contentType)
                    headers.add(name: "content-length", value: String(response.body.utf8.count))
                    if !h.isKeepAlive { headers.add(name: "connection", value: "close") }
                    try await outbound.write(.head(HTTPResponseHead(version: h.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: response.body))))
                    try await outbound.write(.end(nil))
                    if !h.isKeepAlive { return }
                    head = nil
                }
            }
        }
    }
}

/// Why the control API could not start, in one line.
public enum ControlServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case notLoopback(Endpoint)
    case cannotBind(Endpoint, String)

    public var description: String {
        switch self {
        case .notLoopback(let endpoint):
            "refusing to serve the control API on \(endpoint): not a loopback address, so anyone who can reach it could change the impairments (add --control-allow-remote to allow it)"
        case .cannotBind(let endpoint, let reason):
            "cannot serve the control API on \(endpoint): \(reason)"
        }
    }
}
