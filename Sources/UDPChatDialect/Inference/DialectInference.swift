// Dialect inference, offline (`udpchat dialect infer --pcap`): from the datagrams of a recorded
// session and the values it used, a dialect file that `udpchat dialect check` accepts. Pure: no I/O.
import UDPChatSupport
import UDPChatWire

public enum DialectInference {
    /// Infers a dialect. `server`: the server's endpoint (nil: the one most endpoints send to).
    /// `console`: the session's console log, which only raises confidence.
    /// Throws when there is nothing to infer from (no datagrams, none of the values on the wire).
    public static func infer(_ datagrams: [InferDatagram], server: Endpoint?, values: InferValues,
                             console: String? = nil, name: String = "inferred") throws(UDPChatError) -> InferredDialect {
        guard !datagrams.isEmpty else { throw UDPChatError.infer("no UDP datagrams to infer from") }
        guard !values.ids.isEmpty || !values.texts.isEmpty else {
            throw UDPChatError.infer("no values given: name the session's client ids and typed texts (--id, --text or --values)")
        }
        let serverNote = server == nil ? "guessed: the one most endpoints send their first datagram to; --server to say" : "given"
        let server = server ?? guessServer(datagrams)
        let terminator = guessTerminator(datagrams)
        let payloads = datagrams.map { strip($0.bytes, terminator) }
        let json = payloads.filter(looksLikeJSON).count * 2 > payloads.count
        var placer = InferPlacer(server: server, values: values, json: json)
        for (index, datagram) in datagrams.enumerated() { placer.place(index, datagram, payload: payloads[index]) }
        placer.finish()
        try checkValuesSeen(placer, values: values, server: server)
        let builder = InferTemplateBuilder(placed: placer.placed, values: values, json: json)
        var messages = Verb.allCases.compactMap { builder.message($0, console: console) }
        var unplaced = placer.unplaced
        let seen = Set(messages.map(\.verb))
        for verb in Verb.allCases where !seen.contains(verb) && verb != .error {
            unplaced.append("\(verb.rawValue): not seen in this session")
        }
        var result = InferredDialect(
            name: name, server: "\(server) (\(serverNote))", format: json ? .json : .text, terminator: terminator,
            peerSource: placer.foreignPeerSource ? .any : .registered, ids: placer.serverAssigned ? .serverAssigned : .clientChosen,
            separator: json ? "JSON" : separator(placer.placed), messages: messages, unplaced: unplaced, yaml: "")
        result.yaml = InferYAML.render(result)
        while let (verb, why) = InferYAML.firstProblem(result.yaml) {
            messages.removeAll { $0.verb == verb }
            result.messages = messages
            result.unplaced.append("\(verb.rawValue): left out: \(why)")
            result.yaml = InferYAML.render(result)
        }
        if messages.isEmpty {
            // A file without messages is no dialect (`dialect check` refuses it): say why instead.
            let why = result.unplaced.filter { $0.contains(": left out: ") }.prefix(3).joined(separator: "; ")
            throw UDPChatError.infer("no message could be written as a template\(why.isEmpty ? "" : " (\(why))"): the wire format is not text or JSON "
                + "templates (binary structs, pickles, …; docs/DIALECTS.md \"What a dialect cannot describe\"); grade it without a dialect")
        }
        return result
    }

    /// The endpoint most endpoints send their first datagram to (each client's first is its
    /// REGISTER); ties: the first datagram's destination.
    static func guessServer(_ datagrams: [InferDatagram]) -> Endpoint {
        var firsts: [Endpoint: Int] = [:]
        var seen: Set<Endpoint> = []
        for datagram in datagrams where seen.insert(datagram.from).inserted { firsts[datagram.to, default: 0] += 1 }
        let best = firsts.values.max() ?? 0
        let first = datagrams[0].to
        if firsts[first] == best { return first }
        return datagrams.first { firsts[$0.to] == best }!.to
    }

    static func guessTerminator(_ datagrams: [InferDatagram]) -> Dialect.Terminator {
        if datagrams.allSatisfy({ $0.bytes.suffix(2) == [13, 10] }) { return .crlf }
        if datagrams.allSatisfy({ $0.bytes.last == 10 }) { return .lf }
        return .none
    }

    static func strip(_ bytes: [UInt8], _ terminator: Dialect.Terminator) -> [UInt8] {
        Array(bytes.dropLast(terminator.bytes.count))
    }

    static func looksLikeJSON(_ payload: [UInt8]) -> Bool {
        payload.first { $0 != 0x20 && $0 != 0x09 } == UInt8(ascii: "{") && InferTokenizer.jsonTokens(payload, texts: []) != nil
    }

    /// The one-character literal seen most often between two fields.
    static func separator(_ placed: [InferPlaced]) -> String {
        var counts: [String: Int] = [:]
        for item in placed {
            let tokens = item.shape.tokens
            for i in tokens.indices.dropFirst().dropLast() {
                if case .literal(let s) = tokens[i].kind, s.count == 1, !isLiteral(tokens[i - 1]), !isLiteral(tokens[i + 1]) { counts[s, default: 0] += 1 }
            }
        }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? " "
    }

    static func isLiteral(_ token: InferToken) -> Bool { if case .literal = token.kind { true } else { false } }

    /// Values that never appear on the wire mean the recording is not of this session.
    static func checkValuesSeen(_ placer: InferPlacer, values: InferValues, server: Endpoint) throws(UDPChatError) {
        let numbers = Set(placer.placed.flatMap(\.shape.numbers))
        let texts = Set(placer.placed.compactMap(\.shape.text))
        let idsSeen = values.ids.filter { numbers.contains(UInt64($0)) }
        if placer.placed.isEmpty {
            throw UDPChatError.infer("no datagram could be placed in an exchange with the server \(server) (is --server right?)")
        }
        if idsSeen.isEmpty && texts.isEmpty {
            throw UDPChatError.infer("none of the values appear in the datagrams (ids \(values.ids.map(String.init).joined(separator: ", ")); texts \(values.texts.map(\.debugDescription).joined(separator: ", "))): is this the session's recording?")
        }
    }
}
