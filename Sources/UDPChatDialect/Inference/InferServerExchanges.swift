// Dialect inference: the client ↔ server exchanges (REGISTER/REGISTERED, LOOKUP/PEER|INACTIVE,
// LEAVE/LEFT), and chat relayed through the server.
import UDPChatSupport
import UDPChatWire

extension InferPlacer {
    mutating func toServer(_ index: Int, _ datagram: InferDatagram, _ shape: InferShape) {
        let client = datagram.from
        let numbers = shape.numbers
        if shape.text != nil {
            return chat(index, datagram, shape, relayed: true)
        }
        guard let own = owner[client] else {
            // A client's first datagram to the server: its registration.
            let id = Self.firstMatch(numbers, values.ids)
            if id == nil { serverAssigned = true }
            let port = Self.firstMatch(numbers, values.ports + [client.port])
            if let id {
                owner[client] = id
                if let port { owner[Endpoint(host: client.host, port: port)] = id }
            }
            let who = id.map { "client \($0)" } ?? "a client at \(client)"
            let item = InferPlaced(index: index, verb: .register, shape: shape, subject: id, port: port ?? client.port,
                                   exchange: "\(who) registers with the server")
            return record(item, request: true, datagram)
        }
        for other in values.ids where other != own && numbers.contains(UInt64(other)) { namedBy[other] = (index, own) }
        if let relayed = relayedTo.removeValue(forKey: client) {
            let message = placed[relayed]
            let item = InferPlaced(index: index, verb: .ack, shape: shape, subject: own, receiver: message.subject, seq: message.seq,
                                   partner: relayed, exchange: "client \(own)'s answer, through the server, to #\(message.index + 1) (\(message.exchange))")
            return record(item, request: false, datagram)
        }
        if let other = values.ids.first(where: { $0 != own && numbers.contains(UInt64($0)) }) {
            lastLookup = (own, other)
            let item = InferPlaced(index: index, verb: .lookup, shape: shape, subject: other, selfID: own,
                                   exchange: "client \(own) looks up client \(other)")
            return record(item, request: true, datagram)
        }
        let item = InferPlaced(index: index, verb: .leave, shape: shape, subject: own, exchange: "client \(own) leaves the server")
        record(item, request: true, datagram)
    }

    mutating func fromServer(_ index: Int, _ datagram: InferDatagram, _ shape: InferShape) {
        if shape.text != nil { return chat(index, datagram, shape, relayed: true) }
        guard let requestIndex = lastRequest[[datagram.to, datagram.from]] else {
            unplaced.append("#\(index + 1) server → \(datagram.to): answers no request of that client: \(Self.quote(datagram.bytes))")
            return
        }
        if let receiver = owner[datagram.to], let named = namedBy[receiver], named.index > placed[requestIndex].index,
           placed[requestIndex].verb != .msg {
            // Another client's datagram naming this one came after this one's last request: the server passes it on.
            namedBy[receiver] = nil
            unplaced.append("#\(index + 1) server → \(datagram.to): passes on #\(named.index + 1), client \(named.from)'s datagram naming client \(receiver) "
                + "(a forwarded form is not a contract message): \(Self.quote(datagram.bytes))")
            return
        }
        answered.insert(requestIndex)
        let request = placed[requestIndex]
        var item = InferPlaced(index: index, verb: .registered, shape: shape, subject: request.subject, partner: requestIndex,
                               exchange: "the server's answer to #\(request.index + 1) (\(request.exchange))")
        placed[requestIndex].partner = placed.count
        switch request.verb {
        case .register:
            item.port = request.port
            if request.subject == nil { learnAssignedID(&item, datagram) }
        case .lookup:
            let peerPorts = owner.filter { $0.value == request.subject }.map(\.key.port) + values.ports
            if let port = Self.firstMatch(shape.numbers, peerPorts) {
                item.verb = .peer
                item.port = port
            } else {
                item.verb = shape.tokens.contains { if case .host = $0.kind { true } else { false } } ? .peer : .inactive
            }
        case .leave: item.verb = .left
        case .msg:
            unplaced.append("#\(index + 1) server → \(datagram.to): relays the answer to #\(request.index + 1) (the forwarded form is not a contract message): \(Self.quote(datagram.bytes))")
            return
        default:
            unplaced.append("#\(index + 1) server → \(datagram.to): answers \(request.verb.rawValue) #\(request.index + 1), which the contract's server does not answer")
            return
        }
        record(item, request: false, datagram)
    }

    /// The first of `numbers` that is one of `known`.
    static func firstMatch<T: FixedWidthInteger>(_ numbers: [UInt64], _ known: [T]) -> T? {
        for n in numbers { if let match = known.first(where: { UInt64($0) == n }) { return match } }
        return nil
    }

    /// `ids: server-assigned`: the answer to a REGISTER without an id carries the id given (a known
    /// one, else the first small number).
    mutating func learnAssignedID(_ item: inout InferPlaced, _ datagram: InferDatagram) {
        let numbers = item.shape.numbers
        let id = Self.firstMatch(numbers, values.ids)
            ?? numbers.first { $0 > 0 && $0 < 1_000_000 }.map { ClientID($0) }
        guard let id else { return }
        owner[datagram.to] = id
        item.subject = id
        if let request = item.partner {
            placed[request].subject = id
            placed[request].exchange = "client \(id) registers with the server (the server gives the id)"
        }
        item.exchange = "the server's answer to #\(placed[item.partner ?? 0].index + 1) (client \(id) registers; the server gives the id)"
    }
}
