import Testing
import UDPChatCore
import UDPChatTerminal
import UDPChatWire

let esc = "\u{1B}"

@Suite("Terminal: redraw and the chat console")
struct ScreenTests {
    @Test func theInputLineScrollsSidewaysToKeepTheCursorVisible() {
        var screen = Screen(columns: 20, rows: 5)
        var editor = LineEditor()
        _ = editor.handle(.text("abc"))
        #expect(screen.inputLine(prompt: "1> ", editor: editor) == "\r1> abc\(esc)[K\r\(esc)[6C")
        _ = editor.handle(.text("defghijklmnopqrstuvwxyz"))
        // 20 columns − 3 of prompt − 1 spare = 16 cells: the last 15 characters, then the cursor's cell.
        let line = screen.inputLine(prompt: "1> ", editor: editor)
        #expect(line == "\r1> lmnopqrstuvwxyz\(esc)[K\r\(esc)[18C")
        _ = editor.handle(.home)
        #expect(screen.inputLine(prompt: "1> ", editor: editor) == "\r1> abcdefghijklmnop\(esc)[K\r\(esc)[3C")
    }

    @Test func aLongPromptIsShownByItsEndOnANarrowTerminal() {
        var screen = Screen(columns: 20, rows: 5)
        #expect(screen.inputLine(prompt: "2 (client 1 asks: /accept or /reject)> ", editor: LineEditor()) == "\r/reject)> \(esc)[K\r\(esc)[10C")
    }

    @Test func aPrintedLineClearsTheInputLineFirst() {
        var screen = Screen(columns: 20, rows: 5)
        #expect(screen.print("[2] hi") == "\r\(esc)[K[2] hi\r\n")
        #expect(screen.print("a\nb") == "\r\(esc)[Ka\r\nb\r\n")
    }

    @Test func aStateIsRewrittenInPlaceWhileItsLineIsOnScreen() {
        var screen = Screen(columns: 20, rows: 6)
        let (output, id) = screen.print("[you] hi", state: "· sent")
        #expect(output == "\r\(esc)[K[you] hi  · sent" + String(repeating: " ", count: 12) + "\r\n")
        // "[you] hi  " is 10 columns: the state starts there, on the second row of the two-row line.
        #expect(screen.update(id, state: "✓ delivered") == "\(esc)7\(esc)[2A\r\(esc)[10C✓ delivered" + String(repeating: " ", count: 7) + "\(esc)8")
        _ = screen.print("a line of exactly 20")  // one row
        _ = screen.print(String(repeating: "x", count: 25))  // two rows
        #expect(screen.update(id, state: "x")?.contains("\(esc)[5A") == true)
        _ = screen.print("one more")
        #expect(screen.update(id, state: "x") == nil, "scrolled out of sight (6 rows, one for the input line)")
    }

    @Test func aResizeForgetsWhereLinesAre() {
        var screen = Screen(columns: 40, rows: 10)
        let (_, id) = screen.print("[you] hi", state: "· sent")
        var editor = LineEditor()
        _ = editor.handle(.text(String(repeating: "x", count: 34)))
        #expect(screen.inputLine(prompt: "1> ", editor: editor).hasSuffix("\(esc)[37C"))
        // The old input line, cursor at column 37, re-wrapped at 15 columns: the cursor is 2 rows down it.
        #expect(screen.resize(columns: 15, rows: 10) == "\(esc)[2A\r\(esc)[J")
        #expect(screen.update(id, state: "✓ delivered") == nil)
        #expect(screen.resize(columns: 80, rows: 10) == "\r\(esc)[J")
    }

    /// The whole console: incoming lines while typing, own messages with their state, commands.
    @Test func incomingLinesNeverBreakWhatIsBeingTyped() {
        var console = ChatConsole(id: 1, columns: 60, rows: 10, color: false)
        #expect(console.start() == "\r1> \(esc)[K\r\(esc)[3C")
        _ = console.show(.connected(to: 2))
        #expect(console.prompt == "1 to 2> ")
        let typing = console.keys(Array("I am typing a long".utf8))
        #expect(typing.actions.isEmpty)
        #expect(typing.output == "\r1 to 2> I am typing a long\(esc)[K\r\(esc)[26C")
        // A message arrives: printed above, then prompt, buffer and cursor drawn again.
        let incoming = console.show(.delivered(from: 2, seq: 1, text: "are you there?"))
        #expect(incoming == "\r\(esc)[K[2] are you there?\r\n\r1 to 2> I am typing a long\(esc)[K\r\(esc)[26C")
        let enter = console.keys(Array(" line\r".utf8))
        #expect(enter.actions == [.command(.say("I am typing a long line"))])
        #expect(enter.output.hasSuffix("\r1 to 2> \(esc)[K\r\(esc)[8C"), "an empty input line again")
        // The client reports it sent, re-sent, then delivered: one line whose state changes in place.
        let sent = console.show(.sent(seq: 1, text: "I am typing a long line"))
        #expect(sent.hasPrefix("\r\(esc)[K[you] I am typing a long line  · sent"))
        #expect(console.show(.resending(what: "MSG 1", attempt: 2)).hasPrefix("\(esc)7\(esc)[1A\r\(esc)[31C↻ re-sending (1)"))
        #expect(console.show(.acknowledged(seq: 1, text: "I am typing a long line")).hasPrefix("\(esc)7\(esc)[1A\r\(esc)[31C✓ delivered"))
        // A command stays on screen as typed, and is handed over.
        let end = console.keys(Array("/end\r".utf8))
        #expect(end.actions == [.command(.end)])
        #expect(end.output.hasPrefix("\r\(esc)[K1 to 2> /end\r\n"))
        let bad = console.keys(Array("/bogus\r".utf8))
        #expect(bad.actions.isEmpty)
        #expect(bad.output.contains("unknown command '/bogus'; /help lists the commands\r\n"))
    }

    @Test func thePromptSaysWhoIsAskingUntilAnswered() {
        var console = ChatConsole(id: 2, columns: 60, rows: 10, color: false)
        _ = console.show(.prompt(from: 1, conn: 7))
        #expect(console.prompt == "2 (client 1 asks: /accept or /reject)> ")
        let reject = console.keys(Array("/reject\r".utf8))
        #expect(reject.actions == [.command(.reject)])
        #expect(reject.output.hasPrefix("\r\(esc)[K2 (client 1 asks: /accept or /reject)> /reject\r\n"), "the command as typed")
        #expect(console.prompt == "2> ")
    }

    @Test func ctrlCLeavesThenForces() {
        var console = ChatConsole(id: 1, columns: 60, rows: 10, color: false)
        let first = console.keys([0x03])
        #expect(first.actions == [.interrupt])
        #expect(first.output.contains("^C leaving the server (Ctrl-C again to force quit)"))
        let second = console.keys([0x03])
        #expect(second.actions == [.interrupt])
        #expect(!second.output.contains("leaving"))
        #expect(console.keys([0x04]).actions == [.endOfInput])
        #expect(console.finish() == "\r\(esc)[K")
        #expect(console.show(.left(id: 1)) == "\r\(esc)[Kclient 1 left the server\r\n", "no prompt once finished")
    }

    @Test func aStateOutOfSightIsReportedOnItsOwnLine() {
        var console = ChatConsole(id: 1, columns: 40, rows: 4, color: false)
        _ = console.show(.connected(to: 2))
        _ = console.show(.sent(seq: 1, text: "hi"))
        for n in 1...4 { _ = console.show(.delivered(from: 2, seq: SeqNo(n), text: "m\(n)")) }
        #expect(console.show(.acknowledged(seq: 1, text: "hi")).hasPrefix("\r\(esc)[K✓ delivered: hi\r\n"))
        #expect(console.show(.notDelivered(seq: 7, text: "lost")).hasPrefix("\r\(esc)[Knot delivered (message 7): lost\r\n"))
    }
}
