// The client state machine's handling of datagrams from other clients: connection requests, answers and ends.
import UDPChatSupport
import UDPChatWire

extension ChatClient {
    /// Datagrams from other clients.
    mutating func handlePeer(_ message: Message, from source: Endpoint, now: Instant) -> [ClientEffect] {
        switch message {
        case .connect(let conn, let id):
            return incomingConnect(conn: conn, id: id, from: source, now: now)

        case .accept(let conn, let id):
            guard case .connecting(let peer, let endpoint, conn, _) = link, id == peer, source == endpoint else { return ignored() }
            link = .connected(Session(peer: peer, endpoint: endpoint, conn: conn))
            return [.cancelTimer(.connect), .display(.connected(to: peer))]

        case .reject(let conn, let id):
            guard case .connecting(let peer, let endpoint, conn, _) = link, id == peer, source == endpoint else { return ignored() }
            link = .idle
            return [.cancelTimer(.connect), .display(.rejected(by: peer))] + (quitting ? beginLeave(now: now) : [])

        case .msg(let conn, let id, let seq, let text):
            if case .connecting(let peer, let endpoint, conn, _) = link, id == peer, source == endpoint {
                // The ACCEPT was lost and the peer is already talking: this MSG is the ACCEPT.
                link = .connected(Session(peer: peer, endpoint: endpoint, conn: conn))
                return [.cancelTimer(.connect), .display(.connected(to: peer))] + incomingMessage(seq: seq, text: text)
            }
            guard case .connected(let session) = link, session.matches(conn: conn, id: id, from: source) else { return ignored() }
            return incomingMessage(seq: seq, text: text)

        case .ack(let conn, let id, let seq):
            guard case .connected(let session) = link, session.matches(conn: conn, id: id, from: source) else { return ignored() }
            return incomingAck(seq: seq, now: now)

        case .terminate(let conn, let id):
            if case .connected(let session) = link, session.matches(conn: conn, id: id, from: source) {
                return [.send(.terminated(conn: conn, id: config.id), to: source)] + endSession(byPeer: true, now: now)
            }
            if let closed = closedConns[conn], closed.peer == id {
                // Our TERMINATED keeps getting lost while the peer keeps asking: remember for longer.
                closedConns[conn]?.until = now + config.rememberFor
                return [.send(.terminated(conn: conn, id: config.id), to: source)]
            }
            return ignored()

        case .terminated(let conn, let id):
            guard case .connected(let session) = link, session.matches(conn: conn, id: id, from: source),
                  session.terminateAttempts > 0 else { return ignored() }
            return endSession(byPeer: false, now: now)

        default:
            return ignored()
        }
    }

    private mutating func incomingConnect(conn: ConnToken, id: ClientID, from source: Endpoint, now: Instant) -> [ClientEffect] {
        if case .connected(let session) = link, session.conn == conn {
            // The live connection: only its peer, from its address, asking again because our ACCEPT
            // keeps getting lost. Answer it however long that lasts.
            guard session.acceptedByUs, session.peer == id, session.endpoint == source else { return ignored() }
            answers[conn] = Remembered(peer: id, accepted: true, until: now + config.rememberFor)
            return [.send(.accept(conn: conn, id: config.id), to: source)]
        }
        if let answer = answers[conn], answer.peer == id {
            // The requester is still asking, so its answers keep getting lost: remember for longer.
            answers[conn]?.until = now + config.rememberFor
            let reply: Message = answer.accepted ? .accept(conn: conn, id: config.id) : .reject(conn: conn, id: config.id)
            return [.send(reply, to: source)]
        }
        if case .prompting(let peer, _, let pending) = link, pending == conn, peer == id {
            return []  // the user is still deciding: one prompt per conn
        }
        if id == config.id { return ignored() }
        let idle: Bool
        switch (registration, link) {
        case (.registering, .idle), (.registered, .idle): idle = !quitting
        default: idle = false
        }
        guard idle else {
            answers[conn] = Remembered(peer: id, accepted: false, until: now + config.rememberFor)
            return [.send(.reject(conn: conn, id: config.id), to: source), .display(.busyRejected(from: id))]
        }
        link = .prompting(peer: id, at: source, conn: conn)
        return [.display(.prompt(from: id, conn: conn))]
    }

    /// Ends the live connection: TERMINATE answered (byPeer) or our TERMINATE acknowledged, or
    /// the peer given up (`shown`: the line said instead of `.terminated`).
    mutating func endSession(byPeer: Bool, now: Instant, shown: ClientEvent? = nil) -> [ClientEffect] {
        guard case .connected(let session) = link else { return [] }
        var effects: [ClientEffect] = session.unacked.keys.sorted().map { .cancelTimer(.message($0)) }
        effects.append(.cancelTimer(.terminate))
        effects.append(.display(shown ?? .terminated(peer: session.peer, byPeer: byPeer)))
        for seq in session.unacked.keys.sorted() {
            effects.append(.display(.notDelivered(seq: seq, text: session.unacked[seq]!.text)))
        }
        var seq = session.nextSeq
        for text in session.backlog {
            effects.append(.display(.notDelivered(seq: seq, text: text)))
            seq &+= 1
        }
        closedConns[session.conn] = Remembered(peer: session.peer, accepted: true, until: now + config.rememberFor)
        lastClosed = session.conn
        link = .idle
        if quitting { effects += beginLeave(now: now) }
        return effects
    }
}
