import UDPChatCore
import UDPChatScript
import UDPChatSupport
import UDPChatWire

/// The parties of a simulation: client effects, console lines, and the scripts, run by the shared
/// `ScriptInterpreter` on the virtual clock.
extension SimEngine {
    mutating func display(_ line: String, party: String) {
        displays.append(DisplayRecord(time: now, party: party, line: line))
    }

    mutating func apply(_ effects: [ClientEffect], client index: Int) {
        for effect in effects {
            switch effect {
            case .send(let message, let destination):
                send(message.bytes, from: clients[index].endpoint, to: destination)
            case .armTimer(let timer, let deadline):
                clients[index].generation &+= 1
                let generation = clients[index].generation
                clients[index].timers[timer] = generation
                schedule(.clientTimer(client: index, timer: timer, generation: generation), at: deadline)
            case .cancelTimer(let timer):
                clients[index].timers[timer] = nil
            case .display(let event):
                let line = event.description
                script.shown(line, by: index)
                if setup.recordAllDisplays || Self.essential(event) { display(line, party: clients[index].name) }
            case .close(let exit):
                clients[index].exit = exit
                clients[index].closedAt = now
                clients[index].timers.removeAll()
                let line = ScriptLines.closed(exit)
                script.shown(line, by: index)
                script.closed(index)
                display(line, party: clients[index].name)
                return
            }
        }
    }

    static func essential(_ event: ClientEvent) -> Bool {
        switch event {
        case .delivered, .terminated, .left, .notDelivered: true
        default: false
        }
    }

    /// Runs a party's script until it blocks on a wait, a sleep, or its end.
    mutating func advance(_ party: Int) {
        while true {
            switch script.next(party, now: now) {
            case .command(let command):
                apply(clients[party].machine.handle(command.userCommand(ids: ids), now: now), client: party)
            case .raw(let target, let text):
                let from = party < clients.count ? clients[party].endpoint : strangerEndpoints[party - clients.count]
                if let destination = reachable[target] {
                    send(Array(Placeholders.expand(text, ids: ids, conn: lastConn).utf8), from: from, to: destination)
                }
            case .sleep(let until):
                schedule(.resume(party: party), at: until)
                return
            case .blocked, .done:
                return
            }
        }
    }
}
