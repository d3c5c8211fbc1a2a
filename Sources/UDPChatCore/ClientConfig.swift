// What a client state machine is configured with: its id, the server, the port it advertises, RTO and window.
import UDPChatSupport
import UDPChatWire

public struct ClientConfig: Hashable, Sendable {
    /// This client's identifier.
    public var id: ClientID
    /// The server's address.
    public var server: Endpoint
    /// The port REGISTER carries: where peers can reach this client (the bound port, or a relay's).
    public var advertisedPort: UInt16
    /// Retransmission timeout for every re-sent request (protocol default 10 s).
    public var rto: Duration
    /// Send window: at most this many unacknowledged messages in flight (1 … 32; 1 is stop-and-wait).
    public var window: Int
    /// How long answers to repeated CONNECT and TERMINATE are remembered (protocol: at least 5 RTO).
    /// Set by `init` to 6 RTO; it does not follow later changes of `rto`.
    public var rememberFor: Duration
    /// Once registered, re-send REGISTER this often as a refresh, so that NATs and proxies keep
    /// the client's flow and servers that expire registrations keep it (PROTOCOL.md "Server
    /// rules"). Default `ProtocolDefaults.refreshEvery` (25 s); nil never refreshes.
    public var refreshEvery: Duration?
    /// Report the user's own messages as they go (for interactive consoles): `.sent` when a MSG is
    /// first transmitted and `.acknowledged` when its ACK arrives. Off by default.
    public var reportsDelivery = false
    /// After this many unanswered re-sends of one request, show `.notAnswering` once for that
    /// counterpart (until it is heard from again); nil (the default) never does.
    public var notAnsweringAfter: Int?
    /// Give up a request after this many unanswered re-sends (PROTOCOL.md GIVE-2): when its timer
    /// fires once more, nothing is sent, `.gaveUp` is shown, and the client stops waiting — for
    /// the server (REGISTER, LOOKUP, LEAVE) it closes with `.gaveUp`; for a peer (CONNECT, MSG,
    /// TERMINATE) it drops the request or the connection and goes on. nil (the default, GIVE-1)
    /// re-sends for ever.
    public var giveUpAfter: Int?

    public init(
        id: ClientID, server: Endpoint, advertisedPort: UInt16, rto: Duration = ProtocolDefaults.rto, window: Int = ProtocolDefaults.window,
        refreshEvery: Duration? = ProtocolDefaults.refreshEvery
    ) {
        self.id = id
        self.server = server
        self.advertisedPort = advertisedPort
        self.rto = rto
        self.window = max(1, min(window, ChatClient.receiveWindow))
        self.rememberFor = ProtocolDefaults.rememberFor(rto: rto)
        self.refreshEvery = refreshEvery.map { max($0, .milliseconds(1)) }
    }
}

/// Counters of what the client saw.
public struct ClientStats: Hashable, Sendable {
    /// Datagrams received, and the malformed ones by kind.
    public var intake = IntakeCounters()
    public var received: Int { intake.received }
    public var malformed: Int { intake.malformed }
    public var malformedByKind: [String: Int] { intake.malformedByKind }
    /// Well-formed datagrams ignored: from strangers, for another conn, or not expected now.
    public var ignored = 0
    public var resends = 0
}

/// Where a client is, for tests, the simulator and status lines.
public enum ClientPhase: Hashable, Sendable {
    case notStarted, registering, idle, lookingUp, connecting, prompting, connected, terminating, leaving, closed
}
