// The client state machine's handling of the user's actions: connect, accept or reject, cancel, text, end, quit.
import UDPChatSupport
import UDPChatWire

extension ChatClient {
    mutating func userConnect(_ peer: ClientID, now: Instant) -> [ClientEffect] {
        guard peer != config.id else { return [.display(.notice("you cannot connect to yourself"))] }
        guard case .idle = link else { return [.display(.notice(busyExplanation))] }
        if case .registered = registration {
            link = .lookingUp(peer: peer, attempt: 1)
            return [.display(.lookingUp(peer)), .send(.lookup(id: peer), to: config.server), .armTimer(.lookup, at: now + config.rto)]
        }
        link = .lookingUp(peer: peer, attempt: 0)  // LOOKUP goes out once REGISTERED arrives
        return [.display(.lookingUp(peer))]
    }

    mutating func userAnswer(accept: Bool, now: Instant) -> [ClientEffect] {
        guard case .prompting(let peer, let endpoint, let conn) = link else {
            return [.display(.notice("there is no connection request to \(accept ? "accept" : "reject")"))]
        }
        answers[conn] = Remembered(peer: peer, accepted: accept, until: now + config.rememberFor)
        lastAnswered = conn
        if accept {
            link = .connected(Session(peer: peer, endpoint: endpoint, conn: conn, acceptedByUs: true))
            return [.send(.accept(conn: conn, id: config.id), to: endpoint), .display(.connected(to: peer))]
        }
        link = .idle
        return [.send(.reject(conn: conn, id: config.id), to: endpoint), .display(.notice("rejected the connection request from client \(peer)"))]
    }

    mutating func userCancel() -> [ClientEffect] {
        switch link {
        case .lookingUp(let peer, _):
            link = .idle
            return [.cancelTimer(.lookup), .display(.cancelled(peer))]
        case .connecting(let peer, _, _, _):
            link = .idle
            return [.cancelTimer(.connect), .display(.cancelled(peer))]
        default:
            return [.display(.notice("there is no pending connection request to cancel"))]
        }
    }

    mutating func userEnd(now: Instant) -> [ClientEffect] {
        guard case .connected(var session) = link else { return [.display(.notice("not connected"))] }
        guard !session.endRequested else { return [.display(.notice("already ending the connection"))] }
        session.endRequested = true
        link = .connected(session)
        var effects = pump(now: now)
        if session.terminateAttempts == 0, case .connected(let after) = link, after.terminateAttempts == 0 {
            let pending = after.unacked.count + after.backlog.count
            let what = pending == 1 ? "pending message is" : "\(pending) pending messages are"
            effects.insert(.display(.notice("ending the connection once your \(what) acknowledged")), at: 0)
        }
        return effects
    }

    mutating func userSay(_ text: String, now: Instant) -> [ClientEffect] {
        guard case .connected(var session) = link else {
            return [.display(.notice("not connected: message not sent (/connect N first)"))]
        }
        guard !session.endRequested else { return [.display(.notice("the connection is ending: message not sent"))] }
        if let problem = Message.validateText(text) { return [.display(.notice("message not sent: \(problem)"))] }
        session.backlog.append(text)
        link = .connected(session)
        var effects = pump(now: now)
        if case .connected(let after) = link, !after.backlog.isEmpty {
            effects.append(.display(.notice("window full: message queued (\(after.backlog.count) waiting)")))
        }
        return effects
    }

    mutating func userQuit(now: Instant) -> [ClientEffect] {
        if quitting {
            registration = .closed
            return cancelAllTimers() + [.display(.forcedQuit), .close(.forced)]
        }
        quitting = true
        switch link {
        case .idle:
            return beginLeave(now: now)
        case .lookingUp(let peer, _):
            link = .idle
            return [.cancelTimer(.lookup), .display(.cancelled(peer))] + beginLeave(now: now)
        case .connecting(let peer, _, _, _):
            link = .idle
            return [.cancelTimer(.connect), .display(.cancelled(peer))] + beginLeave(now: now)
        case .prompting(let peer, let endpoint, let conn):
            answers[conn] = Remembered(peer: peer, accepted: false, until: now + config.rememberFor)
            link = .idle
            return [.send(.reject(conn: conn, id: config.id), to: endpoint)] + beginLeave(now: now)
        case .connected(var session):
            if session.endRequested {
                return [.display(.notice("quitting: waiting for client \(session.peer) to acknowledge the end of the connection; "
                                         + "/quit again to leave without its or the server's acknowledgement"))]
            }
            session.endRequested = true
            link = .connected(session)
            return [.display(.notice("ending the connection with client \(session.peer) before leaving"))] + pump(now: now)
        }
    }

    var busyExplanation: String {
        switch link {
        case .idle: "idle"
        case .lookingUp(let peer, _): "busy: looking up client \(peer) (/cancel to stop)"
        case .connecting(let peer, _, _, _): "busy: connecting to client \(peer) (/cancel to stop)"
        case .prompting(let peer, _, _): "busy: client \(peer) is waiting for /accept or /reject"
        case .connected(let session): "busy: connected to client \(session.peer) (/end first)"
        }
    }
}
