import UDPChatCore
import UDPChatImpairment
import UDPChatScript
import UDPChatRelay
import UDPChatSupport
import UDPChatWire

/// A reference chat client in the simulation.
public struct SimClient: Hashable, Sendable {
    public var name: String
    public var id: ClientID
    public var window: Int
    public var script: [ScriptStep]
    /// How long answers to repeated CONNECT / TERMINATE are remembered (nil: the client's default, 6 RTO).
    public var rememberFor: Duration?
    /// Re-send REGISTER this often once registered (nil: never); the reference client's default.
    public var refreshEvery: Duration?

    public init(name: String, id: ClientID, window: Int = ProtocolDefaults.window, script: [ScriptStep], rememberFor: Duration? = nil,
                refreshEvery: Duration? = ProtocolDefaults.refreshEvery) {
        self.name = name
        self.id = id
        self.window = window
        self.script = script
        self.rememberFor = rememberFor
        self.refreshEvery = refreshEvery
    }
}

/// A stranger: a bare socket that only sends what its script says (spoofing tests).
public struct SimStranger: Hashable, Sendable {
    public var name: String
    public var script: [ScriptStep]
    public init(name: String, script: [ScriptStep]) {
        self.name = name
        self.script = script
    }
}

/// A proxy placed in front of a party (the server or a client): everything sent to that party's
/// advertised address crosses it (`up`), and the party's replies come back through it (`down`).
public struct SimProxy: Hashable, Sendable {
    public var name: String
    /// The party it is in front of.
    public var target: String
    public var impairment: ImpairmentConfig
    /// A flow (client source address) idle this long is closed, as the live proxy does.
    public var flowIdle: Duration
    /// Most flows at once (further clients are dropped: `flow-limit`).
    public var maxFlows: Int

    public init(name: String, target: String, impairment: ImpairmentConfig = ImpairmentConfig(),
                flowIdle: Duration = RelayConfiguration.defaultFlowIdle, maxFlows: Int = RelayConfiguration.defaultMaxFlows) {
        self.name = name
        self.target = target
        self.impairment = impairment
        self.flowIdle = flowIdle
        self.maxFlows = maxFlows
    }
}

/// Everything a simulation run needs.
public struct SimSetup: Hashable, Sendable {
    public var seed: UInt64
    public var rto: Duration
    /// One-way latency of every hop (party → proxy, proxy → party, party → party).
    public var latency: Duration
    /// Give up (scripts stuck) at this virtual time.
    public var timeout: Duration
    /// Once every script is done, wait at most this long for clients to close.
    public var settle: Duration
    public var serverName: String
    public var clients: [SimClient]
    public var strangers: [SimStranger]
    public var proxies: [SimProxy]
    /// Record every display line (off in the swarm for speed: only deliveries and closes are kept).
    public var recordAllDisplays: Bool
    /// The server forgets registrations not refreshed for this long (nil: never, the server's default).
    public var serverExpiry: Duration?

    public init(seed: UInt64, rto: Duration = ProtocolDefaults.rto, latency: Duration = .microseconds(500),
                timeout: Duration = .seconds(3600), settle: Duration? = nil, serverName: String = "server",
                clients: [SimClient], strangers: [SimStranger] = [], proxies: [SimProxy] = [],
                recordAllDisplays: Bool = true, serverExpiry: Duration? = nil) {
        self.seed = seed
        self.rto = rto
        self.latency = latency
        self.timeout = timeout
        self.settle = settle ?? rto * 3
        self.serverName = serverName
        self.clients = clients
        self.strangers = strangers
        self.proxies = proxies
        self.recordAllDisplays = recordAllDisplays
        self.serverExpiry = serverExpiry
    }
}

/// What a client ended with.
public struct ClientOutcome: Hashable, Sendable {
    public var name: String
    public var phase: ClientPhase
    public var exit: ClientExit?
    public var closedAt: Instant?
    public var stats: ClientStats
}

/// The result of one run: the wire trace, every displayed line, and how each party ended.
public struct SimResult: Sendable {
    public var seed: UInt64
    public var trace: [TraceRecord]
    public var displays: [DisplayRecord]
    public var clients: [ClientOutcome]
    /// Scripts that did not finish: party name → the step it was blocked on.
    public var stuck: [String: String]
    public var endTime: Instant
    /// The server's table of active clients at the end.
    public var serverTable: [TableRow]
    public var ids: [String: ClientID]
    public var endpoints: [String: Endpoint]
    public var events: Int
    /// When each client id last left the server's table (LEAVE or expiry).
    public var registrationEnded: [ClientID: Instant]
    /// Each proxy's counters at the end (the relay core's own).
    public var proxyStats: [LinkStats]

    /// The trace as JSON lines.
    public var traceJSONLines: String { trace.flatMap(\.jsonLines).map { $0 + "\n" }.joined() }
}
