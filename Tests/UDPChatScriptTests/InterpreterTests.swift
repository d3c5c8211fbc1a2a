import Testing
import UDPChatCore
import UDPChatScript
import UDPChatSupport

@Suite struct InterpreterTests {
    static func machine(_ parties: (String, [ScriptStep], Bool)...) -> ScriptInterpreter {
        ScriptInterpreter(parties: parties.map { ScriptInterpreter.Party(name: $0.0, steps: $0.1, isClient: $0.2) }, rto: .seconds(10))
    }

    @Test func commandsRunInOrderAndWaitsBlockUntilTheLineIsShown() {
        var script = Self.machine(("alice", [.command(.connect("bob")), .waitFor("established"), .command(.send("hi"))], true))
        #expect(script.next(0, now: .zero) == .command(.connect("bob")))
        #expect(script.next(0, now: .zero) == .blocked)
        script.shown("connecting to client 2…", by: 0)
        #expect(script.next(0, now: .zero) == .blocked)
        script.shown("connection established with client 2", by: 0)
        #expect(script.next(0, now: .zero) == .command(.send("hi")))
        #expect(script.next(0, now: .zero) == .done)
        #expect(script.allDone && script.stuck.isEmpty)
    }

    @Test func aLineShownEarlyIsNotMissedAndOneLineMatchesOneWait() {
        var script = Self.machine(("bob", [.waitFor("[1]"), .waitFor("[1]"), .command(.quit)], true))
        script.shown("[1] one", by: 0)
        #expect(script.next(0, now: .zero) == .blocked, "the second wait needs a second line")
        script.shown("[1] two", by: 0)
        #expect(script.next(0, now: .zero) == .command(.quit))
    }

    @Test func crossPartyWaitsSeeTheOtherPartysLines() {
        var script = Self.machine(("alice", [.waitForParty(party: "bob", text: "registered"), .command(.quit)], true), ("bob", [], true))
        #expect(script.next(0, now: .zero) == .blocked)
        #expect(script.crossWaiters == [0])
        script.shown("registered as client 2", by: 1)
        #expect(script.next(0, now: .zero) == .command(.quit))
        #expect(script.crossWaiters.isEmpty)
    }

    @Test func sleepsEndWhenWokenAndResolveRTOUnits() {
        var script = Self.machine(("alice", [.sleep(.rto(1.5)), .command(.end)], true))
        let start = Instant.zero + .seconds(2)
        #expect(script.next(0, now: start) == .sleep(until: start + .seconds(15)))
        #expect(script.next(0, now: start + .seconds(20)) == .blocked, "a sleep ends only when its timer fires")
        #expect(script.nextWake == start + .seconds(15))
        script.wake(0)
        #expect(script.next(0, now: start + .seconds(15)) == .command(.end))
    }

    @Test func aClosedClientIsStuckAtItsNextCommandAndStrangersSkipCommands() {
        var script = Self.machine(("alice", [.command(.quit), .command(.end)], true),
                                  ("mallory", [.command(.quit), .raw(to: "bob", text: "LEAVE 1")], false))
        #expect(script.next(0, now: .zero) == .command(.quit))
        script.closed(0)
        #expect(script.next(0, now: .zero) == .blocked)
        #expect(script.stuck["alice"] == "step 2: end")
        #expect(script.next(1, now: .zero) == .raw(to: "bob", text: "LEAVE 1"))
        #expect(script.next(1, now: .zero) == .done)
    }

    @Test func commandsResolvePartyNamesToIDs() {
        #expect(ScriptCommand.connect("bob").userCommand(ids: ["bob": 2]) == .connect(2))
        #expect(ScriptCommand.connect("7").userCommand(ids: ["bob": 2]) == .connect(7))
        #expect(ScriptCommand.send("hi").userCommand(ids: [:]) == .say("hi"))
        #expect(ScriptCommand.end.manifestAction == "terminate")
        #expect(Placeholders.expand("MSG {conn} {alice} 1 x", ids: ["alice": 1], conn: 9) == "MSG 9 1 1 x")
    }
}
