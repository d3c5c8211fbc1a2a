import UDPChatScript
import UDPChatSupport

/// Drives the shared `ScriptInterpreter` on the real clock: feeds it every new console line,
/// wakes sleepers at their deadline, runs the actions it returns through `perform`, and otherwise
/// waits for the console's bell (a new line) or the next deadline.
struct LiveScriptDriver {
    var interpreter: ScriptInterpreter
    let console: LiveConsole

    /// How a run of the scripts ended.
    struct Outcome {
        /// Unfinished scripts: party → blocked step.
        var stuck: [String: String]
        /// The party that waited on one step longer than the patience, if one did.
        var outOfPatience: String?
    }

    /// Runs until every script is done, `deadline` passes, or (with `patience`) a party waits on
    /// one step longer than that.
    mutating func run(until deadline: Instant, patience: Duration?,
                      perform: (_ party: Int, _ action: ScriptInterpreter.Action) async -> Void) async -> Outcome {
        let count = interpreter.parties.count
        var fed = [Int](repeating: 0, count: count)
        // When each party arrived at its current step (for the patience).
        var since = [(pc: Int, at: Instant)](repeating: (0, console.now), count: count)
        while true {
            for party in 0..<count {
                let name = interpreter.parties[party].name
                let new = console.lines(name, from: fed[party])
                for line in new { interpreter.shown(line, by: party) }
                fed[party] += new.count
                if !interpreter.parties[party].closed, console.isClosed(name) { interpreter.closed(party) }
            }
            for party in 0..<count {
                if let wake = interpreter.parties[party].wakeAt, wake <= console.now { interpreter.wake(party) }
            }
            var progressed = true
            while progressed {
                progressed = false
                for party in 0..<count {
                    stepping: while true {
                        let action = interpreter.next(party, now: console.now)
                        switch action {
                        case .command, .raw:
                            progressed = true
                            await perform(party, action)
                        case .sleep, .blocked, .done:
                            break stepping
                        }
                    }
                }
            }
            if interpreter.allDone { return Outcome(stuck: [:]) }
            let now = console.now
            if now >= deadline { return Outcome(stuck: interpreter.stuck) }
            var wait = deadline - now
            if let wake = interpreter.nextWake { wait = min(wait, wake - now) }
            if let patience {
                var late: (party: Int, at: Instant)?
                for party in 0..<count where !interpreter.parties[party].done {
                    let pc = interpreter.parties[party].pc
                    if since[party].pc != pc { since[party] = (pc, now) }
                    guard interpreter.parties[party].wakeAt == nil else { continue }
                    if now - since[party].at > patience, late.map({ since[party].at < $0.at }) ?? true { late = (party, since[party].at) }
                }
                if let late { return Outcome(stuck: interpreter.stuck, outOfPatience: interpreter.parties[late.party].name) }
                wait = min(wait, .milliseconds(50))
            }
            await console.bell.wait(for: max(wait, .zero))
        }
    }
}
