// Dialect inference: the client ↔ client exchanges (CONNECT/ACCEPT|REJECT, MSG/ACK,
// TERMINATE/TERMINATED), one connection at a time.
import UDPChatSupport
import UDPChatWire

extension InferPlacer {
    mutating func betweenPeers(_ index: Int, _ datagram: InferDatagram, _ shape: InferShape) {
        if owner[datagram.from] == nil || owner[datagram.to] == nil { foreignPeerSource = true }
        if shape.text != nil { return chat(index, datagram, shape, relayed: false) }
        if let first = firstChat, InferTokenizer.sameChat(shape, as: first, json: json) {
            unplaced.append("#\(index + 1) \(datagram.from) → \(datagram.to): a chat message like #\(placed[firstChatIndex ?? 0].index + 1) with a text not named (add it with --text): \(Self.quote(datagram.bytes))")
            return chat(index, datagram, shape, relayed: false)
        }
        if let requestIndex = lastRequest[[datagram.to, datagram.from]],
           !answered.contains(requestIndex) || answerBytes[requestIndex, default: []].contains(datagram.bytes) {
            return peerAnswer(index, datagram, shape, to: requestIndex)
        }
        let (sender, receiver) = parties(datagram)
        if var current = connection, !current.ended, !(current.answer != nil && !current.inUse && current.connectSkeleton == shape.skeleton) {
            current.inUse = true
            connection = current
            let item = InferPlaced(index: index, verb: .terminate, shape: shape, subject: sender, receiver: receiver,
                                   connection: current.number, exchange: "client \(Self.name(sender)) ends the connection with client \(Self.name(receiver))")
            return record(item, request: true, datagram)
        }
        if let earlier = connection?.answer, connection?.inUse == false { placed[earlier].verb = .reject }
        connections += 1
        connection = InferConnection(number: connections, caller: sender, callee: receiver, connectSkeleton: shape.skeleton)
        let item = InferPlaced(index: index, verb: .connect, shape: shape, subject: sender, receiver: receiver,
                               connection: connections, exchange: "client \(Self.name(sender)) asks client \(Self.name(receiver)) to connect")
        record(item, request: true, datagram)
    }

    mutating func peerAnswer(_ index: Int, _ datagram: InferDatagram, _ shape: InferShape, to requestIndex: Int) {
        answered.insert(requestIndex)
        answerBytes[requestIndex, default: []].insert(datagram.bytes)
        let request = placed[requestIndex]
        var item = InferPlaced(index: index, verb: .ack, shape: shape, subject: request.receiver, receiver: request.subject,
                               partner: requestIndex, connection: request.connection,
                               exchange: "client \(Self.name(request.receiver))'s answer to #\(request.index + 1) (\(request.exchange))")
        switch request.verb {
        case .connect:
            item.verb = .accept  // REJECT if no chat follows before the next CONNECT (`resolveAnswers`)
            connection?.answer = placed.count
        case .msg: item.seq = request.seq
        case .terminate:
            item.verb = .terminated
            connection?.ended = true
        default:
            unplaced.append("#\(index + 1) \(datagram.from) → \(datagram.to): answers \(request.verb.rawValue), which has no answer")
            return
        }
        placed[requestIndex].partner = placed.count
        record(item, request: false, datagram)
    }

    /// After the last datagram: a CONNECT answered but never followed by chat or an end was refused.
    mutating func finish() {
        if let answer = connection?.answer, connection?.inUse == false { placed[answer].verb = .reject }
    }

    /// A datagram carrying a typed text: MSG (relayed: through the server).
    mutating func chat(_ index: Int, _ datagram: InferDatagram, _ shape: InferShape, relayed: Bool) {
        if relayed, datagram.from == server {
            // Relayed designs: the receiver's next datagram to the server is its ACK.
            let original = placed.lastIndex { $0.verb == .msg && $0.shape.text == shape.text }
            if let original { relayedTo[datagram.to] = original }
            let of = original.map { " #\(placed[$0].index + 1)" } ?? ""
            unplaced.append("#\(index + 1) server → \(datagram.to): relays the chat message\(of) (the forwarded form is not a contract message): \(Self.quote(datagram.bytes))")
            return
        }
        var (sender, receiver) = parties(datagram)
        if relayed, receiver == nil {  // through the server: the other client it names
            receiver = values.ids.first { $0 != sender && shape.numbers.contains(UInt64($0)) }
        }
        connection?.inUse = true
        let number = (msgCount[sender ?? 0] ?? 0) + 1
        msgCount[sender ?? 0] = number
        let via = relayed ? " through the server" : ""
        let said = shape.text.map { "says \($0.debugDescription)" } ?? "says a text not named"
        let item = InferPlaced(index: index, verb: .msg, shape: shape, subject: sender, receiver: receiver, seq: number,
                               connection: connection?.number,
                               exchange: "client \(Self.name(sender)) \(said) to client \(Self.name(receiver))\(via)")
        if shape.text != nil, firstChat == nil { (firstChat, firstChatIndex) = (shape, placed.count) }
        record(item, request: true, datagram)
    }

    /// Who sends and who receives a peer datagram: the endpoints' registered owners, else the
    /// connection's parties, else the last lookup's.
    func parties(_ datagram: InferDatagram) -> (ClientID?, ClientID?) {
        var pair: (ClientID?, ClientID?) = (lastLookup?.asker, lastLookup?.looked)
        if let connection, !connection.ended { pair = (connection.caller, connection.callee) }
        var sender = owner[datagram.from], receiver = owner[datagram.to]
        if sender == nil { sender = receiver == pair.1 ? pair.0 : receiver == pair.0 ? pair.1 : pair.0 }
        if receiver == nil { receiver = sender == pair.0 ? pair.1 : pair.0 }
        return (sender, receiver)
    }

    static func name(_ id: ClientID?) -> String { id.map(String.init) ?? "?" }
}
