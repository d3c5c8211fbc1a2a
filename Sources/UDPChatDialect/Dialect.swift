import UDPChatSupport
import UDPChatWire

/// A wire format of the udpchat protocol: how each of the contract's messages looks on the wire
/// in one implementation's own format (PROTOCOL.md "Dialects", docs/DIALECTS.md).
///
/// A dialect maps bytes ⇄ `Message`, so everything above the codec (state machines, rules,
/// decoder, grader) works unchanged. The contract's own format is the built-in `Dialect.default`,
/// which reads and writes through the hand-written codec (`Message.parse` / `serialized`).
public struct Dialect: Sendable {
    public enum Format: String, Sendable, CaseIterable { case text, json }
    public enum Terminator: String, Sendable, CaseIterable {
        case none, lf, crlf
        public var bytes: [UInt8] {
            switch self {
            case .none: []
            case .lf: [0x0A]
            case .crlf: [0x0D, 0x0A]
            }
        }
    }
    /// `registered`: the contract's rule (peers answer from the address they registered or were
    /// given); `any`: peers may send from any port of their host.
    public enum PeerSource: String, Sendable, CaseIterable { case registered, any }

    public var name: String
    public var format: Format
    public var terminator: Terminator
    public var peerSource: PeerSource
    /// Literal parts of text templates (and constant JSON strings) match regardless of ASCII case.
    public var caseInsensitive: Bool
    /// The dialect's word for each of the contract's ERROR codes (identity when not given).
    public var errorCodes: [ErrorCode: String]
    /// Largest datagram a receiver accepts.
    public var maxDatagram: Int
    /// The dialect's template of each verb it has; a verb without a template does not exist.
    public let templates: [Verb: Template]
    /// The file text it was loaded from (what `udpchat dialect show` prints).
    public let source: String
    /// True when the dialect is exactly the contract's format: reading and writing take the
    /// hand-written codec.
    public let isContract: Bool

    init(name: String, format: Format, terminator: Terminator, peerSource: PeerSource, caseInsensitive: Bool,
         errorCodes: [ErrorCode: String], maxDatagram: Int, templates: [Verb: Template], source: String,
         forceEngine: Bool = false) {
        self.name = name
        self.format = format
        self.terminator = terminator
        self.peerSource = peerSource
        self.caseInsensitive = caseInsensitive
        self.errorCodes = errorCodes
        self.maxDatagram = maxDatagram
        self.templates = templates
        self.source = source
        self.isContract = !forceEngine && format == .text && terminator == .none && !caseInsensitive
            && maxDatagram == WireLimits.maxDatagram
            && ErrorCode.allCases.allSatisfy { (errorCodes[$0] ?? $0.rawValue) == $0.rawValue }
            && Verb.allCases.allSatisfy { templates[$0]?.text == Dialect.contractTemplates[$0] }
        self.order = Dialect.matchOrder(templates)
    }

    /// Templates in the order a reader tries them: longest leading literal first.
    let order: [Template]

    /// The verbs this dialect has.
    public var verbs: [Verb] { Verb.allCases.filter { templates[$0] != nil } }

    /// The same dialect, but read and written by the template engine even when it is the contract's
    /// format (for tests and the differential fuzzer).
    public var forcingEngine: Dialect {
        Dialect(name: name, format: format, terminator: terminator, peerSource: peerSource, caseInsensitive: caseInsensitive,
                errorCodes: errorCodes, maxDatagram: maxDatagram, templates: templates, source: source, forceEngine: true)
    }

    static func matchOrder(_ templates: [Verb: Template]) -> [Template] {
        Verb.allCases.compactMap { templates[$0] }.sorted { lhs, rhs in
            lhs.leadingLiteral.count != rhs.leadingLiteral.count
                ? lhs.leadingLiteral.count > rhs.leadingLiteral.count
                : Verb.allCases.firstIndex(of: lhs.verb)! < Verb.allCases.firstIndex(of: rhs.verb)!
        }
    }

    /// The word for `code` in this dialect.
    public func word(for code: ErrorCode) -> String { errorCodes[code] ?? code.rawValue }

    /// The contract's code for a dialect word (ASCII case ignored when `caseInsensitive`).
    func code(for word: String) -> ErrorCode? {
        for code in ErrorCode.allCases {
            let candidate = self.word(for: code)
            if candidate == word || (caseInsensitive && candidate.lowercased() == word.lowercased()) { return code }
        }
        return nil
    }
}

/// What a reader or writer knows beyond the datagram, to fill fields a dialect leaves out.
public struct DialectContext: Sendable, Hashable {
    /// The local node's own id: written as `{self}`, and with the sender's id it names a
    /// connection in dialects without `{conn}`.
    public var localID: ClientID?
    /// The connection token to read into messages of dialects without `{conn}` (a client's live
    /// or pending connection); without it the token is derived from the two peers' ids.
    public var conn: ConnToken?
    /// When set, `conn` is only for datagrams from this peer id (others get the pair's token).
    public var connPeer: ClientID?
    /// The datagram's source address: an absent `{host}` in PEER is the server's host, an absent
    /// `{port}` in REGISTER is the source port.
    public var source: Endpoint?

    public init(localID: ClientID? = nil, conn: ConnToken? = nil, connPeer: ClientID? = nil, source: Endpoint? = nil) {
        self.localID = localID
        self.conn = conn
        self.connPeer = connPeer
        self.source = source
    }
}

extension Dialect {
    /// The connection token of a dialect without `{conn}`: fixed for the pair of peers' ids,
    /// whichever of them asks (FNV-1a over the two ids in ascending order; never 0).
    public static func pairToken(_ a: ClientID, _ b: ClientID?) -> ConnToken {
        let other = b ?? 0
        var hash: UInt32 = 2_166_136_261
        for value in [min(a, other), max(a, other)] {
            for shift in stride(from: 0, to: 32, by: 8) {
                hash ^= (value >> UInt32(shift)) & 0xFF
                hash &*= 16_777_619
            }
        }
        return hash == 0 ? 1 : hash
    }
}

extension Dialect {
    /// Whether bytes look like this dialect's traffic even if they do not parse: a text datagram
    /// that starts with a template's leading literal, a JSON datagram that starts with `{`.
    public func looksLikeMessage(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            switch format {
            case .json: return raw.first { $0 != 0x20 && $0 != 0x09 } == UInt8(ascii: "{")
            case .text: return order.contains { !$0.leadingLiteral.isEmpty && starts(raw, at: 0, with: $0.leadingLiteral) }
            }
        }
    }
}
