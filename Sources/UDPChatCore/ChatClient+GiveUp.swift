import UDPChatSupport
import UDPChatWire

// The give-up limit (PROTOCOL.md §6, GIVE-2; off by default): what the client does when a
// request has gone unanswered `ClientConfig.giveUpAfter` re-sends and its timer fires again.

extension ChatClient {
    /// Stops waiting for the request of `timer`, sent `sent` times without an answer. The server
    /// silent (REGISTER, LOOKUP, LEAVE): nothing can go on without it, so the client closes with
    /// `.gaveUp`. A peer silent: its connection request (CONNECT) or connection (MSG, TERMINATE) is
    /// dropped, its unacknowledged messages shown as not delivered, and the client goes on (to
    /// LEAVE, if the user had asked to quit).
    mutating func giveUp(_ timer: ClientTimer, what: String, at endpoint: Endpoint, sent: Int, now: Instant) -> [ClientEffect] {
        let gaveUp = ClientEvent.gaveUp(peer: endpoint == config.server ? nil : peerID, at: endpoint, what: what, attempts: sent)
        switch timer {
        case .register, .lookup, .leave:
            let effects = cancelAllTimers()
            registration = .closed
            return effects + [.display(gaveUp), .close(.gaveUp)]
        case .connect:
            link = .idle
            return [.display(gaveUp)] + (quitting ? beginLeave(now: now) : [])
        case .message, .terminate:
            return endSession(byPeer: false, now: now, shown: gaveUp)
        }
    }

    /// Cancels every timer but `.leave` (a forced quit or a give-up closes the client).
    func cancelAllTimers() -> [ClientEffect] {
        var effects: [ClientEffect] = [.cancelTimer(.register), .cancelTimer(.lookup), .cancelTimer(.connect), .cancelTimer(.terminate)]
        if case .connected(let session) = link {
            effects += session.unacked.keys.sorted().map { .cancelTimer(.message($0)) }
        }
        return effects
    }
}
