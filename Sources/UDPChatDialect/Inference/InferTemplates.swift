// Dialect inference: a verb's template from the datagrams placed as that verb, each number token
// replaced by the placeholder every one of them agrees on (the values' positions intersected).
import UDPChatSupport
import UDPChatWire

struct InferTemplateBuilder {
    let placed: [InferPlaced]
    let values: InferValues
    let json: Bool
    /// Per connection: the numbers its CONNECT carries that are no known id or port (a `{conn}`).
    let connNumbers: [Int: Set<UInt64>]

    init(placed: [InferPlaced], values: InferValues, json: Bool) {
        self.placed = placed
        self.values = values
        self.json = json
        var conns: [Int: Set<UInt64>] = [:]
        let known = Set(values.ids.map(UInt64.init) + values.ports.map(UInt64.init))
        for item in placed where item.verb == .connect {
            guard let number = item.connection, conns[number] == nil else { continue }
            conns[number] = Set(item.shape.numbers.filter { $0 > 0 && !known.contains($0) })
        }
        connNumbers = conns
    }

    /// The placeholders a number may be, in this datagram's exchange (preferred first).
    func candidates(_ n: UInt64, in item: InferPlaced) -> [Field] {
        var fields: [Field] = []
        let allowed = item.verb.allowedFields
        func add(_ field: Field, _ value: UInt64?) { if let value, value == n, allowed.contains(field) { fields.append(field) } }
        add(.id, item.subject.map(UInt64.init))
        add(.selfID, item.selfID.map(UInt64.init))
        add(.to, item.receiver.map(UInt64.init))
        add(.port, item.port.map(UInt64.init))
        add(.seq, item.seq.map(UInt64.init))
        add(.bit, item.seq.map { UInt64(($0 - 1) % 2) })
        // Only a number no value explains is a connection token or a tag.
        if fields.isEmpty, let connection = item.connection, connNumbers[connection]?.contains(n) == true { add(.conn, n) }
        if fields.isEmpty, let partner = item.partner, placed[partner].shape.numbers.contains(n) {
            if item.verb == .ack { add(.seq, n) }  // an ACK echoes its MSG's number: a {seq} that counts from elsewhere than 1
            add(.tag, n)
        }
        return fields
    }

    /// The template of `verb` from its datagrams of the most common shape; nil if none.
    func build(_ verb: Verb) -> (segments: [InferToken], choice: [String: Field], items: [InferPlaced], note: [String])? {
        let items = placed.filter { $0.verb == verb }
        guard !items.isEmpty else { return nil }
        var groups: [String: [InferPlaced]] = [:]
        for item in items { groups[item.shape.skeleton, default: []].append(item) }
        let main = groups.values.max { $0.count < $1.count || ($0.count == $1.count && $0[0].index > $1[0].index) }!
        var note: [String] = []
        if groups.count > 1 { note.append("\(items.count - main.count) of \(items.count) datagrams have another shape (left out)") }
        let first = main[0].shape.tokens
        var options: [String: [Field]] = [:]
        for (position, token) in first.enumerated() {
            guard case .number = token.kind else { continue }
            var common: [Field]?
            for item in main {
                guard case .number(let n) = item.shape.tokens[position].kind else { continue }
                let here = candidates(n, in: item)
                common = common.map { $0.filter(here.contains) } ?? here
            }
            options[token.key] = common ?? []
            if verb == .msg, options[token.key]!.allSatisfy({ $0 == .tag }), Self.increasesPerSender(main, at: position) {
                options[token.key] = [.seq]  // a number that counts up, from elsewhere than 1
            } else if verb == .msg, options[token.key]!.allSatisfy({ $0 == .tag }), Self.alternatesPerSender(main, at: position) {
                options[token.key] = [.bit]  // an alternating bit that starts at 1 (shared with the sender's other packets)
            }
        }
        // An ACK echoes its MSG's number: where MSG has a bit, the echo is that bit.
        if verb == .ack, build(.msg)?.choice.values.contains(.bit) == true {
            options = options.mapValues { fields in fields.map { $0 == .seq ? .bit : $0 } }
        }
        let (choice, ambiguous) = Self.assign(options, order: first.map(\.key))
        if ambiguous { note.append("a number could be more than one field (chose by the usual order)") }
        return (first, choice, main, note)
    }

    /// Whether the numbers at `position` increase from one message of a sender to its next (a
    /// re-send repeats its number): a `{seq}` that does not count from 1.
    static func increasesPerSender(_ items: [InferPlaced], at position: Int) -> Bool {
        var last: [ClientID: UInt64] = [:]
        var steps = 0
        for item in items {
            guard case .number(let n) = item.shape.tokens[position].kind, n > 0 else { return false }
            if let before = last[item.subject ?? 0] {
                if n < before { return false }
                if n > before { steps += 1 }
            }
            last[item.subject ?? 0] = n
        }
        return steps > 0
    }

    /// Whether the numbers at `position` are 0 or 1 and flip from one message of a sender to its next
    /// (a re-send, the same text again, repeats it): an alternating bit, whichever it starts with.
    static func alternatesPerSender(_ items: [InferPlaced], at position: Int) -> Bool {
        var last: [ClientID: (bit: UInt64, text: String?)] = [:]
        var flips = 0
        for item in items {
            guard case .number(let n) = item.shape.tokens[position].kind, n <= 1 else { return false }
            if let before = last[item.subject ?? 0] {
                if (before.text == item.shape.text) != (before.bit == n) { return false }
                if before.bit != n { flips += 1 }
            }
            last[item.subject ?? 0] = (n, item.shape.text)
        }
        return flips > 0
    }

    /// Gives each number position one field, each field at most once: positions with one choice first.
    static func assign(_ options: [String: [Field]], order: [String]) -> ([String: Field], Bool) {
        var choice: [String: Field] = [:]
        var used: Set<Field> = []
        var ambiguous = false
        let keys = order.filter { options[$0] != nil }.enumerated()
            .sorted { (options[$0.element]!.count, $0.offset) < (options[$1.element]!.count, $1.offset) }.map(\.element)
        for key in keys {
            let free = options[key]!.filter { !used.contains($0) }
            guard let field = free.first else { continue }
            if free.count > 1 { ambiguous = true }
            choice[key] = field
            used.insert(field)
            if field == .seq || field == .bit { used.formUnion([.seq, .bit]) }
        }
        return (choice, ambiguous)
    }
}
