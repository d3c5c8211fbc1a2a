import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport

/// What the live control API (`UDPChatProxyControl`) may ask of a running proxy. Every change
/// is made by the link's engine on the link's event loop, through the same
/// `ImpairmentEngine.apply(_:now:)` as timeline entries, and written to the trace.
public protocol ProxyControlling: Sendable {
    /// Every link, in configuration order.
    func linkStates() async -> [LinkState]
    /// Applies the settings in order (each to its directions), from the next datagram on.
    func apply(_ settings: [(Setting, [Direction])], link: String) async throws(ControlError) -> LinkState
    /// Appends a rule; returns its number N (1-based, as `DELETE …/rules/N` takes it).
    func addRule(_ rule: Rule, link: String) async throws(ControlError) -> Int
    /// Removes rule N (1-based); later rules move up by one.
    func removeRule(_ number: Int, link: String) async throws(ControlError)
    /// Zeroes the link's counters (engine and relay).
    func resetCounters(link: String) async throws(ControlError) -> LinkState
    /// Puts the link's settings and rules back as they were at its start (toxiproxy's reset);
    /// counters are kept.
    func restore(link: String) async throws(ControlError) -> LinkState
    /// Starts a new link (toxiproxy's `POST /proxies`).
    func addLink(_ configuration: LinkConfiguration) async throws(ControlError) -> LinkState
    /// Stops and forgets a link.
    func removeLink(_ name: String) async throws(ControlError)
}

/// A link as the control API shows it.
public struct LinkState: Sendable {
    public var name: String
    public var listen: Endpoint
    public var target: Endpoint
    public var up: ImpairmentSettings
    public var down: ImpairmentSettings
    /// Rule texts with their counters, in order (rule N is `rules[N - 1]`).
    public var rules: [RuleStats]
    public var stats: LinkStats
    /// The delay added to every delivered copy, per direction (up, down).
    public var addedDelay: [Direction: DelayHistogram]
    /// The wire format the link's rules, trace and verb counters read (`default`: the contract's).
    public var dialect = "default"
    /// Whether the link counts datagrams by verb (`--count-verbs`).
    public var countsVerbs = false

    public init(name: String, listen: Endpoint, target: Endpoint, up: ImpairmentSettings, down: ImpairmentSettings,
                rules: [RuleStats], stats: LinkStats, addedDelay: [Direction: DelayHistogram]) {
        self.name = name
        self.listen = listen
        self.target = target
        self.up = up
        self.down = down
        self.rules = rules
        self.stats = stats
        self.addedDelay = addedDelay
    }

    public subscript(direction: Direction) -> ImpairmentSettings { direction == .up ? up : down }
}

/// Why a control request could not be carried out.
public enum ControlError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownLink(String)
    case unknownRule(link: String, number: Int)
    /// `POST /links` with a name already taken.
    case linkExists(String)
    /// A new link that could not start (its listen address is taken, …).
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .unknownLink(let name): "no link named '\(name)'"
        case .unknownRule(let link, let number): "link '\(link)' has no rule \(number)"
        case .linkExists(let name): "a link named '\(name)' exists already (DELETE /links/\(name) first)"
        case .cannotCreate(_, let reason): reason
        }
    }
}
