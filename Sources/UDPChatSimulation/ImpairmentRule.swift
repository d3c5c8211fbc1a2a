import UDPChatSupport
import UDPChatWire

/// A protocol-aware targeted rule in the proxy's vocabulary:
/// `drop dir=up verb=MSG seq=1 nth=1`, `duplicate verb=ACCEPT`, `delay 3s verb=TERMINATED`.
///
/// Matchers: `dir=up|down`, `verb=VERB`, `seq=N`, `id=N`, `conn=N`; `nth=N` restricts the action to
/// the N-th matching datagram (counting from 1, per rule). Rules are evaluated in order; the first
/// rule whose matchers (and nth) fit decides.
public struct ImpairmentRule: Hashable, Sendable, CustomStringConvertible {
    public enum Action: Hashable, Sendable {
        case drop
        case duplicate
        case delay(Duration)
    }

    public var action: Action
    public var direction: LinkDirection?
    public var verb: Verb?
    public var seq: UInt32?
    public var id: UInt32?
    public var conn: UInt32?
    public var nth: Int?
    /// The rule as written.
    public var text: String

    public var description: String { text }

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Parses a rule; the error names the offending word.
    public init(parsing text: String) throws(ParseError) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first else { throw ParseError(message: "empty rule") }
        var rest = words.dropFirst()
        switch first {
        case "drop": action = .drop
        case "duplicate": action = .duplicate
        case "delay":
            guard let amount = rest.first, let duration = try? DurationParser.parse(amount) else {
                throw ParseError(message: "rule '\(text)': delay needs a duration (e.g. delay 3s verb=TERMINATED)")
            }
            action = .delay(duration)
            rest = rest.dropFirst()
        default:
            throw ParseError(message: "rule '\(text)': unknown action '\(first)' (drop, duplicate, delay DURATION)")
        }
        self.text = text
        for word in rest {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ParseError(message: "rule '\(text)': '\(word)' is not key=value") }
            let (key, value) = (parts[0], parts[1])
            func number() throws(ParseError) -> UInt32 {
                guard let value = UInt32(value), value > 0 else {
                    throw ParseError(message: "rule '\(text)': \(key)= needs a positive number, got '\(value)'")
                }
                return value
            }
            switch key {
            case "dir":
                guard let dir = LinkDirection(rawValue: value) else {
                    throw ParseError(message: "rule '\(text)': dir= must be up or down, got '\(value)'")
                }
                direction = dir
            case "verb":
                guard let verb = Verb(rawValue: value.uppercased()) else {
                    throw ParseError(message: "rule '\(text)': unknown verb '\(value)'")
                }
                self.verb = verb
            case "seq": seq = try number()
            case "id": id = try number()
            case "conn": conn = try number()
            case "nth": nth = Int(try number())
            default:
                throw ParseError(message: "rule '\(text)': unknown key '\(key)' (dir, verb, seq, id, conn, nth)")
            }
        }
    }

    /// True when the datagram satisfies every matcher (nth is counted by the caller).
    public func matches(_ message: Message?, direction: LinkDirection) -> Bool {
        if let wanted = self.direction, wanted != direction { return false }
        if verb == nil, seq == nil, id == nil, conn == nil { return true }
        guard let message else { return false }
        if let verb, message.verb != verb { return false }
        if let seq, message.seq != seq { return false }
        if let id, message.id != id { return false }
        if let conn, message.conn != conn { return false }
        return true
    }
}
