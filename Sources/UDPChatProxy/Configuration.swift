import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport

/// Where a tapped datagram was seen.
public enum TapPoint: Sendable {
    /// As it arrived at the proxy, before any impairment.
    case received
    /// As it left the proxy, after impairment.
    case sent
}

/// A datagram seen by the proxy, handed to `ProxyConfiguration.tap` (for pcap capture).
public struct TappedDatagram: Sendable {
    public var point: TapPoint
    /// Seconds since the Unix epoch, wall clock.
    public var timestamp: Double
    public var source: Endpoint
    public var destination: Endpoint
    public var payload: [UInt8]

    public init(point: TapPoint, timestamp: Double, source: Endpoint, destination: Endpoint, payload: [UInt8]) {
        self.point = point
        self.timestamp = timestamp
        self.source = source
        self.destination = destination
        self.payload = payload
    }
}

/// One listen → target relay with its own impairments.
public struct LinkConfiguration: Sendable {
    /// A short name for stats and traces (`main`, `alice`, …).
    public var name: String
    /// Where clients send to (port 0: the OS picks; see `ProxyServer.localAddresses`).
    public var listen: Endpoint
    /// Where their datagrams go.
    public var target: Endpoint
    public var impairments: ImpairmentConfig
    /// This link's flow idle time (nil: the proxy's `ProxyConfiguration.flowIdle`).
    public var flowIdle: Duration?
    /// This link's flow limit (nil: the proxy's `ProxyConfiguration.maxFlows`).
    public var maxFlows: Int?
    /// Count this link's datagrams by verb (nil: the proxy's `ProxyConfiguration.countVerbs`).
    public var countVerbs: Bool?

    public init(name: String = "main", listen: Endpoint, target: Endpoint, impairments: ImpairmentConfig = ImpairmentConfig(),
                flowIdle: Duration? = nil, maxFlows: Int? = nil) {
        self.name = name
        self.listen = listen
        self.target = target
        self.impairments = impairments
        self.flowIdle = flowIdle
        self.maxFlows = maxFlows
    }
}

/// Everything `ProxyServer.start(config:)` needs.
public struct ProxyConfiguration: Sendable {
    public var links: [LinkConfiguration]
    /// Seed of every random stream (each link derives its own from its name: `RelaySeed.link`).
    public var seed: UInt64
    /// A flow (client source address) with no datagram either way for this long is closed.
    public var flowIdle: Duration = RelayConfiguration.defaultFlowIdle
    /// Most flows per link; datagrams from further clients are dropped (`flow-limit`).
    public var maxFlows = RelayConfiguration.defaultMaxFlows
    /// Count received datagrams by verb, read with each link's reader (its dialect). Off by
    /// default: it reads every datagram, which a passthrough link otherwise never does.
    public var countVerbs = false
    /// Write one JSON line per datagram event here.
    public var tracePath: String?
    /// Called on the event loop for every datagram received and every datagram sent.
    public var tap: (@Sendable (TappedDatagram) -> Void)?
    /// Called on the event loop with every impairment decision, as the trace records it
    /// (one event per delivered copy or drop; flows over `maxFlows` are only counted).
    /// Lets an embedding program (the demo, a scenario) show decisions as they happen.
    public var observer: (@Sendable (TraceEvent) -> Void)?

    public init(links: [LinkConfiguration], seed: UInt64) {
        self.links = links
        self.seed = seed
    }

    /// One link named `main`.
    public init(listen: Endpoint, target: Endpoint, impairments: ImpairmentConfig = ImpairmentConfig(), seed: UInt64) {
        self.init(links: [LinkConfiguration(listen: listen, target: target, impairments: impairments)], seed: seed)
    }
}
