import Logging
import NIOCore
import NIOPosix
import UDPChatCore
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// How to run a chat client.
public struct ChatClientOptions: Sendable {
    /// This client's id (1 … 2147483647).
    public var id: ClientID
    /// The server. `localhost` is 127.0.0.1; another host name is resolved once at start.
    public var server: Endpoint
    /// Address to bind; nil = loopback when the server is on loopback, else the wildcard address.
    public var bindHost: String?
    /// Port to bind; 0 = ephemeral.
    public var port: Int
    /// Port carried in REGISTER (where peers reach this client); nil = the bound port.
    public var advertisePort: UInt16?
    /// Retransmission timeout (protocol default 10 s).
    public var rto: Duration
    /// Send window, 1 … 32.
    public var window: Int
    /// Seed for connection tokens; nil = random.
    public var seed: UInt64?
    /// Called once the socket is bound, before REGISTER, to decide the advertised port (e.g. after
    /// starting a relay in front of this client). Overrides `advertisePort` when set.
    public var advertiseResolver: (@Sendable (_ bound: Endpoint) async throws -> UInt16)?
    /// Once registered, re-send REGISTER this often as a refresh (default `ProtocolDefaults.refreshEvery`,
    /// 25 s); nil never refreshes.
    public var refreshEvery: Duration?
    /// Report own messages' delivery (`ClientConfig.reportsDelivery`), for an interactive console.
    public var reportsDelivery = false
    /// Say when a counterpart has not answered this many re-sends (`ClientConfig.notAnsweringAfter`).
    public var notAnsweringAfter: Int?
    /// Give a request up after this many unanswered re-sends (`ClientConfig.giveUpAfter`); nil never.
    public var giveUpAfter: Int?
    /// The wire format it speaks (docs/DIALECTS.md); the contract's by default.
    public var dialect: Dialect = .default

    public init(
        id: ClientID, server: Endpoint, bindHost: String? = nil, port: Int = 0, advertisePort: UInt16? = nil,
        rto: Duration = ProtocolDefaults.rto, window: Int = ProtocolDefaults.window, seed: UInt64? = nil,
        advertiseResolver: (@Sendable (_ bound: Endpoint) async throws -> UInt16)? = nil,
        refreshEvery: Duration? = ProtocolDefaults.refreshEvery
    ) {
        self.id = id
        self.server = server
        self.bindHost = bindHost
        self.port = port
        self.advertisePort = advertisePort
        self.rto = rto
        self.window = window
        self.seed = seed
        self.advertiseResolver = advertiseResolver
        self.refreshEvery = refreshEvery
    }
}

/// The reference chat client: a `ChatClient` driven over one unconnected NIO UDP socket.
///
/// Display events go to `onEvent` (on the event loop) and to `events`. Submit user commands from
/// any thread with `submit(_:)`; `exit()` waits until the client is done: the socket is closed only
/// by the state machine's `.close` effect (after LEFT, a refusal, or a forced quit).
public final class ChatClientRuntime: Sendable {
    public let channel: Channel
    /// The bound address.
    public let localAddress: Endpoint
    /// The configuration the state machine runs with (resolved server, advertised port).
    public let config: ClientConfig
    /// Every display event, in order. Iterate it once.
    public let events: AsyncStream<ClientEvent>
    private let exitFuture: EventLoopFuture<ClientExit>

    private init(channel: Channel, localAddress: Endpoint, config: ClientConfig, events: AsyncStream<ClientEvent>, exit: EventLoopFuture<ClientExit>) {
        self.channel = channel
        self.localAddress = localAddress
        self.config = config
        self.events = events
        self.exitFuture = exit
    }

    /// Binds, then registers with the server. Throws `UDPChatError` with a clear reason.
    public static func start(
        _ options: ChatClientOptions, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "udpchat.client"),
        onEvent: @escaping @Sendable (ClientEvent) -> Void = { _ in }
    ) async throws -> ChatClientRuntime {
        let server = try options.server.resolved()
        let bindHost = options.bindHost ?? defaultBindHost(for: server)
        let (stream, continuation) = AsyncStream.makeStream(of: ClientEvent.self, bufferingPolicy: .bufferingNewest(100_000))
        let eventLoop = group.next()
        let exitPromise = eventLoop.makePromise(of: ClientExit.self)
        exitPromise.futureResult.whenComplete { _ in continuation.finish() }
        let bootstrap = DatagramBootstrap(group: eventLoop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: ChatServer.receiveSlot))
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: bindHost, port: options.port).get()
        } catch {
            exitPromise.fail(UDPChatError.socketClosed)
            throw UDPChatError.bind(error, host: bindHost, port: options.port)
        }
        guard let local = channel.localAddress.flatMap(Endpoint.init) else {
            try? await channel.close()
            throw UDPChatError.cannotBind(host: bindHost, port: options.port, reason: "no local address")
        }
        var advertised = options.advertisePort ?? local.port
        if let resolver = options.advertiseResolver {
            do {
                advertised = try await resolver(local)
            } catch {
                try? await channel.close()
                throw error
            }
        }
        var config = ClientConfig(id: options.id, server: server, advertisedPort: advertised, rto: options.rto, window: options.window,
                                  refreshEvery: options.refreshEvery)
        config.reportsDelivery = options.reportsDelivery
        config.notAnsweringAfter = options.notAnsweringAfter
        config.giveUpAfter = options.giveUpAfter
        let clientConfig = config
        let random = options.seed.map { SplitMix64(seed: $0) } ?? .random()
        let clientLogger = logger
        let dialect = options.dialect
        try await channel.eventLoop.submit {
            let driver = ClientDriver(
                client: ChatClient(config: clientConfig, random: random), dialect: dialect,
                onEvent: { event in
                    continuation.yield(event)
                    onEvent(event)
                },
                exitPromise: exitPromise, logger: clientLogger)
            try channel.pipeline.syncOperations.addHandler(driver)
            driver.start()
        }.get()
        logger.debug("client bound", metadata: ["address": "\(local)", "server": "\(server)", "id": "\(options.id)"])
        return ChatClientRuntime(channel: channel, localAddress: local, config: config, events: stream, exit: exitPromise.futureResult)
    }

    private static func defaultBindHost(for server: Endpoint) -> String {
        let v6 = server.host.contains(":")
        if server.isLoopback { return v6 ? "::1" : "127.0.0.1" }
        return v6 ? "::" : "0.0.0.0"
    }

    /// Hands a user command to the client. Safe from any thread; ignored once the client is done.
    public func submit(_ command: UserCommand) {
        let channel = self.channel
        channel.eventLoop.execute {
            (try? channel.pipeline.syncOperations.handler(type: ClientDriver.self))?.userCommand(command)
        }
    }

    /// Waits until the client is done (its socket closed). Throws if the socket closed any other way.
    public func exit() async throws -> ClientExit {
        try await exitFuture.get()
    }

    /// Where the state machine is now (`.closed` once the socket is closed).
    public func phase() async -> ClientPhase {
        let channel = self.channel
        let phase = try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ClientDriver.self).phase
        }.get()
        return phase ?? .closed
    }

    /// The client's counters now.
    public func stats() async throws -> ClientStats {
        let channel = self.channel
        return try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ClientDriver.self).stats
        }.get()
    }

    /// The live connection's token, if connected.
    public func liveConn() async -> ConnToken? {
        let channel = self.channel
        return try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ClientDriver.self).liveConn
        }.get()
    }

    /// True while the socket is open.
    public var isOpen: Bool { channel.isActive }

    /// Closes the socket at once without leaving (tests and shutdown paths only).
    public func abort() async {
        try? await channel.close()
    }
}
