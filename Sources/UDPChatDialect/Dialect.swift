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
    /// Who chooses a client's id: `client-chosen` (the contract: REGISTER carries it) or
    /// `server-assigned` (REGISTER may leave it out; REGISTERED carries the id the server gave).
    public enum IDs: String, Sendable, CaseIterable {
        case clientChosen = "client-chosen"
        case serverAssigned = "server-assigned"
    }

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
    /// Who chooses ids (`ids:`).
    public var ids: IDs
    /// The dialect's template of each verb it has (the one written); a verb without a template
    /// does not exist.
    public let templates: [Verb: Template]
    /// Every form of each verb, the written one first; a reader accepts all of them.
    public let forms: [Verb: [Template]]
    /// The file text it was loaded from (what `udpchat dialect show` prints).
    public let source: String
    /// True when the dialect is exactly the contract's format: reading and writing take the
    /// hand-written codec. Only this module asks: everything outside asks the dialect its
    /// questions (read, write, quote, compare, sample malformed datagrams), which the contract's
    /// format answers through the codec and any other through its templates.
    let isContract: Bool

    init(name: String, format: Format, terminator: Terminator, peerSource: PeerSource, caseInsensitive: Bool,
         errorCodes: [ErrorCode: String], maxDatagram: Int, ids: IDs = .clientChosen, forms: [Verb: [Template]], source: String,
         forceEngine: Bool = false) {
        self.name = name
        self.format = format
        self.terminator = terminator
        self.peerSource = peerSource
        self.caseInsensitive = caseInsensitive
        self.errorCodes = errorCodes
        self.maxDatagram = maxDatagram
        self.ids = ids
        self.forms = forms.filter { !$0.value.isEmpty }
        self.templates = self.forms.mapValues { $0[0] }
        self.source = source
        self.isContract = !forceEngine && format == .text && terminator == .none && !caseInsensitive
            && maxDatagram == WireLimits.maxDatagram && ids == .clientChosen
            && ErrorCode.allCases.allSatisfy { (errorCodes[$0] ?? $0.rawValue) == $0.rawValue }
            && Verb.allCases.allSatisfy { (forms[$0] ?? []).map(\.text) == Dialect.contractTemplates[$0].map { [$0] } }
        self.order = Dialect.matchOrder(self.forms)
    }

    /// Templates in the order a reader tries them: longest leading literal first.
    let order: [Template]

    /// The verbs this dialect has.
    public var verbs: [Verb] { Verb.allCases.filter { templates[$0] != nil } }

    /// True for the contract's own format (the built-in `default`, or a file with exactly its
    /// keys and templates). For presentation and passing on only: a listening line names no
    /// dialect, a reference party is given `default`.
    public var isDefault: Bool { isContract }

    /// Whether the format's design is known to send chat (CONNECT … TERMINATED) straight between the
    /// clients, never through the server: the contract's is; a dialect file describes bytes, not
    /// routes, and real submissions relay chat through their server, so for it this is false.
    public var chatIsDirect: Bool { isContract }

    /// The same dialect, but read and written by the template engine even when it is the contract's
    /// format (for tests and the differential fuzzer).
    public var forcingEngine: Dialect {
        Dialect(name: name, format: format, terminator: terminator, peerSource: peerSource, caseInsensitive: caseInsensitive,
                errorCodes: errorCodes, maxDatagram: maxDatagram, ids: ids, forms: forms, source: source, forceEngine: true)
    }

    /// The order a reader tries templates in: longest leading literal first (so templates that
    /// start with a field come last), then the contract's verb order, then each verb's forms in
    /// the file's order. Deterministic, whatever the dictionary's order.
    static func matchOrder(_ forms: [Verb: [Template]]) -> [Template] {
        let ranked = Verb.allCases.enumerated().flatMap { verbIndex, verb in
            (forms[verb] ?? []).enumerated().map { (template: $1, rank: verbIndex * 1000 + $0) }
        }
        return ranked.sorted { lhs, rhs in
            lhs.template.leadingLiteral.count != rhs.template.leadingLiteral.count
                ? lhs.template.leadingLiteral.count > rhs.template.leadingLiteral.count
                : lhs.rank < rhs.rank
        }.map(\.template)
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
    /// It is also the connection's peer where a dialect needs it: the sender of peer messages
    /// without `{id}`, the receiver written as `{to}`.
    public var connPeer: ClientID?
    /// The datagram's source address: an absent `{host}` in PEER is the server's host, an absent
    /// `{port}` in REGISTER is the source port.
    public var source: Endpoint?
    /// The requests sent from the socket this datagram arrives at to its source, oldest first
    /// (`DialectRequestLog` keeps them): an answer is matched to the most recent one it can
    /// answer, which fills what the answer leaves out (`{id}`, ACK's `{seq}`) and must agree with
    /// its `{tag}`. When writing an answer, its `{tag}` echoes the request's.
    public var requests: [DialectRequest]
    /// The id the server holds, or assigns, for the datagram's source: REGISTER or LEAVE without
    /// `{id}` (`ids: server-assigned`) are read with it.
    public var senderID: ClientID?
    /// The sequence number the reader expects next from its peer: a MSG's `{bit}` is read as this
    /// number when it is this number's bit, else as the one before it (a re-send).
    public var expectedSeq: SeqNo?

    public init(localID: ClientID? = nil, conn: ConnToken? = nil, connPeer: ClientID? = nil, source: Endpoint? = nil,
                requests: [DialectRequest] = [], senderID: ClientID? = nil, expectedSeq: SeqNo? = nil) {
        self.localID = localID
        self.conn = conn
        self.connPeer = connPeer
        self.source = source
        self.requests = requests
        self.senderID = senderID
        self.expectedSeq = expectedSeq
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

extension Dialect: WireFormat {
    public func message(from bytes: [UInt8]) -> Message? { try? parse(bytes) }

    /// The fields of the verb's written form.
    public func wireFields(of verb: Verb) -> Set<Field>? { templates[verb]?.fields }
}

extension Dialect {
    /// Whether bytes look like this dialect's traffic even if they do not parse: a text datagram
    /// that starts with a template's leading literal, a JSON datagram that starts with `{`; in the
    /// contract's format, one whose first word is a verb.
    public func looksLikeMessage(_ bytes: [UInt8]) -> Bool {
        if isContract { return Dialect.startsWithVerb(bytes) }
        return bytes.withUnsafeBytes { raw in
            switch format {
            case .json: return raw.first { $0 != 0x20 && $0 != 0x09 } == UInt8(ascii: "{")
            case .text: return order.contains { !$0.leadingLiteral.isEmpty && starts(raw, at: 0, with: $0.leadingLiteral) }
                || (try? parse(raw)) != nil  // a template that starts with a field: only a datagram it reads
            }
        }
    }
}
