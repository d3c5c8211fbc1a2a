import UDPChatSupport
import UDPChatWire

/// A protocol-aware rule: `ACTION [ARG] [key=value …]`, e.g. `drop dir=up verb=MSG seq=1 nth=1`,
/// `duplicate verb=ACCEPT`, `delay 3s verb=TERMINATED`, `pass verb=LEAVE`.
///
/// Actions: `drop`; `duplicate [N]` (N extra copies, default 1); `delay D`; `corrupt` (flip one
/// bit); `pass` (deliver at once, untouched, skipping every other impairment).
/// Filters (all must hold): `dir=up|down`, `verb=MSG[,ACK…]`, `id=`, `conn=`, `seq=`, `port=`
/// (fields of the decoded chat message; a datagram that is not valid chat never matches a
/// verb or field filter), `nth=N` / `nth=N-M` / `nth=N+` (the N-th … datagram matching the
/// other filters, counted from 1 per rule), `p=P%` (act with this probability, from the rule's
/// own seeded stream per direction).
public struct Rule: Hashable, Sendable, CustomStringConvertible {
    public enum Action: Hashable, Sendable {
        case drop
        case duplicate(extraCopies: Int)
        case delay(Duration)
        case corrupt
        case pass
    }

    /// Which of the matching datagrams (1-based, inclusive).
    public struct Nth: Hashable, Sendable {
        public var from: UInt64
        public var through: UInt64?
        public init(from: UInt64, through: UInt64?) {
            self.from = from
            self.through = through
        }
        public func contains(_ n: UInt64) -> Bool { n >= from && (through.map { n <= $0 } ?? true) }
    }

    public var action: Action
    public var direction: Direction?
    public var verbs: Set<Verb>?
    public var id: UInt32?
    public var conn: UInt32?
    public var seq: UInt32?
    public var port: UInt16?
    public var nth: Nth?
    public var probability: Double?
    /// The rule as written (for traces and counters).
    public var text: String

    /// True when the rule looks into the payload (then the engine decodes chat datagrams).
    public var needsDecoding: Bool { verbs != nil || id != nil || conn != nil || seq != nil || port != nil }

    public var description: String { text }

    /// Parses one rule string; errors name the offending token.
    public static func parse(_ text: String) throws(ImpairmentParseError) -> Rule {
        var tokens = text.split(separator: " ", omittingEmptySubsequences: true)[...]
        guard let verb = tokens.popFirst() else { throw ImpairmentParseError(token: text, reason: "empty rule") }
        let action: Action
        switch verb.lowercased() {
        case "drop": action = .drop
        case "corrupt": action = .corrupt
        case "pass": action = .pass
        case "duplicate":
            if let next = tokens.first, !next.contains("=") {
                tokens.removeFirst()
                action = .duplicate(extraCopies: try Vocabulary.count(String(next), max: 100, what: "number of copies"))
            } else {
                action = .duplicate(extraCopies: 1)
            }
        case "delay":
            guard let next = tokens.popFirst(), !next.contains("=") else {
                throw ImpairmentParseError(token: text, reason: "delay needs a duration (e.g. delay 3s verb=TERMINATED)")
            }
            action = .delay(try Vocabulary.duration(String(next)))
        default:
            throw ImpairmentParseError(token: String(verb), reason: "unknown rule action (drop, duplicate, delay, corrupt, pass)")
        }
        var rule = Rule(action: action, text: text.split(separator: " ").joined(separator: " "))
        for token in tokens {
            let (key, value) = try Vocabulary.keyValue(token)
            switch key {
            case "dir":
                guard let d = Direction(rawValue: value.lowercased()) else {
                    throw ImpairmentParseError(token: String(token), reason: "dir must be up or down")
                }
                rule.direction = d
            case "verb":
                var verbs = Set<Verb>()
                for name in value.split(separator: ",") {
                    guard let v = Verb(rawValue: name.uppercased()) else {
                        throw ImpairmentParseError(token: String(name), reason: "unknown verb (e.g. MSG, ACK, CONNECT, ACCEPT)")
                    }
                    verbs.insert(v)
                }
                guard !verbs.isEmpty else { throw ImpairmentParseError(token: String(token), reason: "empty verb list") }
                rule.verbs = verbs
            case "id": rule.id = UInt32(try Vocabulary.count(value, max: Int(UInt32.max), what: "id"))
            case "conn": rule.conn = UInt32(try Vocabulary.count(value, max: Int(UInt32.max), what: "conn"))
            case "seq": rule.seq = UInt32(try Vocabulary.count(value, max: Int(UInt32.max), what: "seq"))
            case "port": rule.port = UInt16(try Vocabulary.count(value, max: 65535, what: "port"))
            case "p": rule.probability = try Vocabulary.percent(value)
            case "nth": rule.nth = try parseNth(value)
            default:
                throw ImpairmentParseError(token: String(token), reason: "unknown rule field (dir, verb, id, conn, seq, port, nth, p)")
            }
        }
        return rule
    }

    private static func parseNth(_ value: String) throws(ImpairmentParseError) -> Nth {
        if value.hasSuffix("+") {
            return Nth(from: UInt64(try Vocabulary.count(String(value.dropLast()), what: "nth")), through: nil)
        }
        if let dash = value.firstIndex(of: "-") {
            let a = UInt64(try Vocabulary.count(String(value[..<dash]), what: "nth"))
            let b = UInt64(try Vocabulary.count(String(value[value.index(after: dash)...]), what: "nth"))
            guard a <= b else { throw ImpairmentParseError(token: value, reason: "nth range must go upwards (e.g. 2-4)") }
            return Nth(from: a, through: b)
        }
        let n = UInt64(try Vocabulary.count(value, what: "nth"))
        return Nth(from: n, through: n)
    }

    init(action: Action, text: String) {
        self.action = action
        self.text = text
    }

    /// Whether the filters (not `nth`/`p`) accept this datagram.
    func matches(direction: Direction, message: Message?) -> Bool {
        if let d = self.direction, d != direction { return false }
        guard needsDecoding else { return true }
        guard let message else { return false }
        if let verbs, !verbs.contains(message.verb) { return false }
        if let id, message.id != id { return false }
        if let conn, message.conn != conn { return false }
        if let seq, message.seq != seq { return false }
        if let port, message.port != port { return false }
        return true
    }
}
