// The client state machine's handling of the server's answers, and the leave it begins.
import UDPChatSupport
import UDPChatWire

extension ChatClient {
    /// Answers from the server (the source has been checked to be the server).
    mutating func handleServer(_ message: Message, now: Instant) -> [ClientEffect] {
        switch message {
        case .registered(let id, _) where id == config.id:
            guard case .registering = registration else { return ignored() }
            registration = .registered
            var effects: [ClientEffect] = [.cancelTimer(.register), .display(.registered(id: id, port: config.advertisedPort))]
            if let every = config.refreshEvery { effects.append(.armTimer(.register, at: now + every)) }
            if case .lookingUp(let peer, 0) = link {
                link = .lookingUp(peer: peer, attempt: 1)
                effects += [.send(.lookup(id: peer), to: config.server), .armTimer(.lookup, at: now + config.rto)]
            }
            return effects

        case .peer(let id, let host, let port):
            guard case .lookingUp(id, let attempt) = link, attempt > 0 else { return ignored() }
            let endpoint = Endpoint(host: host, port: port)
            let conn = freshConn()
            link = .connecting(peer: id, at: endpoint, conn: conn, attempt: 1)
            return [
                .cancelTimer(.lookup), .display(.connecting(to: id, at: endpoint)),
                .send(.connect(conn: conn, id: config.id), to: endpoint), .armTimer(.connect, at: now + config.rto),
            ]

        case .inactive(let id):
            guard case .lookingUp(id, let attempt) = link, attempt > 0 else { return ignored() }
            link = .idle
            return [.cancelTimer(.lookup), .display(.inactive(id))]

        case .left(let id) where id == config.id:
            guard case .leaving = registration else { return ignored() }
            registration = .closed
            return [.cancelTimer(.leave), .display(.left(id: id)), .close(.left)]

        case .error(let code, let id):
            switch (code, registration, link) {
            case (.idInUse, .registering, _) where id == config.id,
                 (.addressInUse, .registering, _) where id == config.id,
                 (.notOwner, .leaving, _) where id == config.id:
                registration = .closed
                return [.cancelTimer(.register), .cancelTimer(.leave), .display(.registrationRefused(code)), .close(.refused(code))]
            case (.idInUse, .registered, _) where id == config.id && config.refreshEvery != nil,
                 (.addressInUse, .registered, _) where id == config.id && config.refreshEvery != nil:
                // A refresh was refused: the server expired us and the id or address is taken now.
                // Say so; the connection (if any) goes on peer to peer.
                return [.display(.registrationRefused(code))]
            case (.notRegistered, _, .lookingUp(id, let attempt)) where attempt > 0:
                link = .idle
                return [.cancelTimer(.lookup), .display(.lookupRefused(code, id))]
            default:
                return ignored()
            }

        default:
            return ignored()
        }
    }

    mutating func beginLeave(now: Instant) -> [ClientEffect] {
        registration = .leaving(attempt: 1)
        return [
            .cancelTimer(.register), .send(.leave(id: config.id), to: config.server),
            .armTimer(.leave, at: now + config.rto),
        ]
    }
}
