import UDPChatImpairment
import UDPChatProxy
import UDPChatRelay
import UDPChatWire
import UDPChatSupport

/// Everything `TransparentRelay.start(_:)` needs.
public struct TransparentConfiguration: Sendable {
    /// The link's name in traces and counters.
    public var name = "transparent"
    public var impairments: ImpairmentConfig
    /// The run's seed: the engine draws from `RelaySeed.link(seed, name:)`, as the proxy's links do.
    public var seed: UInt64
    /// Datagrams to this port are `up` (toward the server), from it `down`; between two other ports
    /// (client ↔ client) the pair's first speaker is the initiator. nil: always the first speaker.
    public var serverPort: UInt16? = ProtocolDefaults.port
    /// The netfilter queue number (queues are per network namespace); 7070 only as a number easy to
    /// recognise in `iptables -L`, not the protocol's port.
    public var queue: UInt16 = 7070
    /// The packet mark of the relay's own injections, which the rule lets pass.
    public var mark: UInt32 = 0x7564
    /// The kernel's queue length (packets waiting for a verdict; beyond, they pass untouched).
    public var queueLength: UInt32 = 4096
    /// A pair with no datagram either way for this long is forgotten (no socket is held for it).
    public var flowIdle: Duration = .seconds(3600)
    public var maxFlows = RelayConfiguration.defaultMaxFlows
    /// Count received datagrams by verb.
    public var countVerbs = false
    /// Write one JSON line per datagram event here (the proxy's trace format).
    public var tracePath: String?
    /// Called on the relay's thread for every datagram received (before impairment) and sent (after).
    public var tap: (@Sendable (TappedDatagram) -> Void)?
    /// Which datagrams go through the rules: nil, every one; else only those from `source` to
    /// `destination` it says yes to (called on the relay's thread). The others pass untouched, neither
    /// counted nor traced: a flow singled out by its ports (one client's datagrams to another).
    public var scope: (@Sendable (_ source: Endpoint, _ destination: Endpoint) -> Bool)?
    /// Called on the relay's thread with every decision, as the trace records it.
    public var observer: (@Sendable (RelayTraceEvent) -> Void)?
    /// The caller's word that the current network namespace is a private sandbox: without it the
    /// relay refuses to start (and with it, still refuses where `lo` is not the only interface).
    public var namespaceIsPrivate = false

    public init(impairments: ImpairmentConfig = ImpairmentConfig(), seed: UInt64) {
        self.impairments = impairments
        self.seed = seed
    }

    /// The relay core's configuration (tracing when a trace or an observer wants the decisions).
    var relay: RelayConfiguration {
        RelayConfiguration(
            name: name, listen: Endpoint(host: "127.0.0.1", port: 0), target: Endpoint(host: "127.0.0.1", port: serverPort ?? 0),
            impairments: impairments, seed: seed, flowIdle: flowIdle, maxFlows: maxFlows,
            tracing: tracePath != nil || observer != nil, countVerbs: countVerbs)
    }
}
