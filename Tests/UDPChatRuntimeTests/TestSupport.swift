import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import UDPChatCore
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

/// Short RTO for loopback tests; timeouts are generous so a loaded 2-core machine passes.
let testRTO: Duration = .milliseconds(150)
let patience: Duration = .seconds(20)

struct TestTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
func eventually(_ what: String, timeout: Duration = patience, _ condition: @Sendable () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        guard clock.now < deadline else { throw TestTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Runs `body`, failing with `TestTimeout` if it takes longer than `timeout`.
func withTimeout<T: Sendable>(_ what: String, _ timeout: Duration = patience, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TestTimeout(what: what)
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}

/// A raw UDP socket on loopback for playing a hostile peer, a fake server or a closed port.
final class RawSocket: Sendable {
    let channel: Channel
    let endpoint: Endpoint
    private let inbox: NIOLockedValueBox<[(from: Endpoint, bytes: [UInt8])]>

    private init(channel: Channel, endpoint: Endpoint, inbox: NIOLockedValueBox<[(from: Endpoint, bytes: [UInt8])]>) {
        self.channel = channel
        self.endpoint = endpoint
        self.inbox = inbox
    }

    static func bind(host: String = "127.0.0.1", port: Int = 0) async throws -> RawSocket {
        let inbox = NIOLockedValueBox<[(from: Endpoint, bytes: [UInt8])]>([])
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(inbox: inbox))
                }
            }
            .bind(host: host, port: port).get()
        return RawSocket(channel: channel, endpoint: Endpoint(channel.localAddress!)!, inbox: inbox)
    }

    func send(_ text: String, to destination: Endpoint) async throws {
        try await send(bytes: Array(text.utf8), to: destination)
    }

    func send(bytes: [UInt8], to destination: Endpoint) async throws {
        let buffer = channel.allocator.buffer(bytes: bytes)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: try destination.socketAddress(), data: buffer))
    }

    /// Removes and returns the first received datagram that parses and matches.
    func receive(_ what: String, timeout: Duration = patience, matching: @escaping @Sendable (Message) -> Bool = { _ in true })
        async throws -> (message: Message, from: Endpoint)
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let found: (Message, Endpoint)? = inbox.withLockedValue { items in
                for (index, item) in items.enumerated() {
                    if let message = try? Message.parse(item.bytes), matching(message) {
                        items.remove(at: index)
                        return (message, item.from)
                    }
                }
                return nil
            }
            if let found { return found }
            guard clock.now < deadline else { throw TestTimeout(what: what) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Everything received and not yet taken.
    var received: [(from: Endpoint, bytes: [UInt8])] { inbox.withLockedValue { $0 } }

    func close() async {
        try? await channel.close()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let inbox: NIOLockedValueBox<[(from: Endpoint, bytes: [UInt8])]>
        init(inbox: NIOLockedValueBox<[(from: Endpoint, bytes: [UInt8])]>) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let source = Endpoint(envelope.remoteAddress) else { return }
            let bytes = Array(envelope.data.readableBytesView)
            inbox.withLockedValue { $0.append((source, bytes)) }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {}
    }
}

/// A server on an ephemeral loopback port, with its table changes recorded.
struct TestServer: Sendable {
    let server: ChatServer
    let tables: NIOLockedValueBox<[[TableRow]]>

    var endpoint: Endpoint { server.localAddress }

    static func start(expireAfter: Duration? = nil) async throws -> TestServer {
        let tables = NIOLockedValueBox<[[TableRow]]>([])
        let server = try await ChatServer.start(
            ChatServerOptions(port: 0, registry: ServerConfig(expireAfter: expireAfter), onTableChange: { rows in
                tables.withLockedValue { $0.append(rows) }
            }))
        return TestServer(server: server, tables: tables)
    }
}

/// A client on an ephemeral loopback port with a recorder.
struct TestClient: Sendable {
    let runtime: ChatClientRuntime
    let recorder: EventRecorder

    static func start(id: ClientID, server: Endpoint, advertisePort: UInt16? = nil, seed: UInt64? = nil) async throws -> TestClient {
        let recorder = EventRecorder()
        let runtime = try await ChatClientRuntime.start(
            ChatClientOptions(id: id, server: server, advertisePort: advertisePort, rto: testRTO, seed: seed), onEvent: recorder.sink)
        return TestClient(runtime: runtime, recorder: recorder)
    }

    func registered() async throws {
        try await recorder.wait(for: "client \(runtime.config.id) registered", timeout: patience) {
            if case .registered = $0 { return true } else { return false }
        }
    }

    /// Delivered chat texts, in display order.
    var delivered: [String] {
        recorder.events.compactMap { if case .delivered(_, _, let text) = $0 { text } else { nil } }
    }

    func submit(_ line: String) {
        guard case .success(let command)? = UserCommand.parse(line: line) else { fatalError("bad test command \(line)") }
        runtime.submit(command)
    }

    func wait(_ what: String, _ matches: @escaping @Sendable (ClientEvent) -> Bool) async throws {
        try await recorder.wait(for: what, timeout: patience, matches)
    }
}

/// Connects `a` to `b` (b accepts) and waits until both show the connection.
func connect(_ a: TestClient, to b: TestClient) async throws {
    let bID = b.runtime.config.id
    let aID = a.runtime.config.id
    a.submit("/connect \(bID)")
    try await b.wait("prompt at \(bID)") { if case .prompt(aID, _) = $0 { true } else { false } }
    b.submit("/accept")
    try await a.wait("connected at \(aID)") { $0 == .connected(to: bID) }
    try await b.wait("connected at \(bID)") { $0 == .connected(to: aID) }
}
