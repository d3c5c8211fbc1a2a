// The client state machine's live connection: MSG and ACK, the send window, and the TERMINATE once all is acknowledged.
import UDPChatSupport
import UDPChatWire

extension ChatClient {
    /// A MSG for the live connection (already matched to conn, peer and address).
    mutating func incomingMessage(seq: SeqNo, text: String) -> [ClientEffect] {
        guard case .connected(var session) = link else { return [] }
        let ack: ClientEffect = .send(.ack(conn: session.conn, id: config.id, seq: seq), to: session.endpoint)
        if seq < session.nextExpected {
            return [ack, .display(.duplicateDiscarded(from: session.peer, seq: seq))]
        }
        guard UInt64(seq) < UInt64(session.nextExpected) + UInt64(Self.receiveWindow) else {
            return ignored()  // too far ahead: dropped without an ACK
        }
        if session.held[seq] != nil {
            return [ack, .display(.duplicateDiscarded(from: session.peer, seq: seq))]
        }
        var effects: [ClientEffect] = [ack]
        session.held[seq] = text
        while let next = session.held.removeValue(forKey: session.nextExpected) {
            effects.append(.display(.delivered(from: session.peer, seq: session.nextExpected, text: next)))
            session.nextExpected += 1
        }
        link = .connected(session)
        return effects
    }

    /// An ACK for the live connection.
    mutating func incomingAck(seq: SeqNo, now: Instant) -> [ClientEffect] {
        guard case .connected(var session) = link else { return [] }
        guard let acked = session.unacked.removeValue(forKey: seq) else { return [] }  // duplicate or bogus ACK
        link = .connected(session)
        let shown: [ClientEffect] = config.reportsDelivery ? [.display(.acknowledged(seq: seq, text: acked.text))] : []
        return [.cancelTimer(.message(seq))] + shown + pump(now: now)
    }

    /// Sends queued messages while the window allows; sends TERMINATE once an /end is pending and all is acknowledged.
    mutating func pump(now: Instant) -> [ClientEffect] {
        guard case .connected(var session) = link else { return [] }
        var effects: [ClientEffect] = []
        let lowest = session.unacked.keys.min() ?? session.nextSeq
        while let text = session.backlog.first, UInt64(session.nextSeq) < UInt64(lowest) + UInt64(config.window),
              session.nextSeq <= WireLimits.maxSeq {
            session.backlog.removeFirst()
            let seq = session.nextSeq
            session.unacked[seq] = Outgoing(text: text, attempts: 1)
            session.nextSeq += 1
            effects.append(.send(.msg(conn: session.conn, id: config.id, seq: seq, text: text), to: session.endpoint))
            if config.reportsDelivery { effects.append(.display(.sent(seq: seq, text: text))) }
            effects.append(.armTimer(.message(seq), at: now + config.rto))
        }
        if session.endRequested, session.terminateAttempts == 0, session.unacked.isEmpty, session.backlog.isEmpty {
            session.terminateAttempts = 1
            effects += [.send(.terminate(conn: session.conn, id: config.id), to: session.endpoint),
                        .armTimer(.terminate, at: now + config.rto)]
        }
        link = .connected(session)
        return effects
    }
}
