import Testing
import UDPChatTerminal

@Suite("Terminal: keys and line editing")
struct KeysAndEditorTests {
    /// Feeds bytes through the decoder into an editor; returns the editor and every outcome that is not `.edited`.
    static func type(_ bytes: [UInt8], into editor: inout LineEditor, decoder: inout KeyDecoder) -> [LineEditor.Outcome] {
        decoder.feed(bytes).map { editor.handle($0) }.filter { $0 != .edited }
    }

    static func type(_ text: String) -> (LineEditor, [LineEditor.Outcome]) {
        var editor = LineEditor()
        var decoder = KeyDecoder()
        let outcomes = type(Array(text.utf8), into: &editor, decoder: &decoder)
        return (editor, outcomes)
    }

    @Test func decodesControlKeysEscapeSequencesAndUTF8() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array("hé\u{1B}[D\u{1B}[3~\u{1B}[1;5C\u{7F}\r\n\u{03}".utf8)) == [
            .text("hé"), .left, .delete, .wordRight, .backspace, .enter, .interrupt,
        ])
        // An escape sequence or a UTF-8 character split across reads waits for its end.
        #expect(decoder.feed([0x1B, UInt8(ascii: "[")]) == [])
        #expect(decoder.feed([UInt8(ascii: "A"), 0xC3]) == [.up])
        #expect(decoder.feed([0xA9]) == [.text("é")])
        #expect(decoder.feed(Array("\u{1B}OH\u{1B}[4~\u{1B}b\u{01}\u{05}\u{0B}\u{15}\u{17}\u{0C}\u{04}".utf8)) == [
            .home, .end, .wordLeft, .home, .end, .killToEnd, .killToStart, .deleteWordBack, .clearScreen, .endOfFile,
        ])
        #expect(decoder.feed(Array("a\nb".utf8)) == [.text("a"), .enter, .text("b")], "a lone LF is Enter too")
        #expect(decoder.feed(Array("\u{1B}x".utf8)) == [.text("x")], "Esc then a key: the key counts")
    }

    @Test func editsInTheMiddleOfTheLine() {
        // "hello world", Home, Ctrl-Right (after "hello"), type ",", End, Backspace ×2, type "LD".
        let (editor, outcomes) = Self.type("hello world\u{01}\u{1B}[1;5C,\u{05}\u{7F}\u{7F}LD")
        #expect(outcomes.isEmpty)
        #expect(editor.line == "hello, worLD")
        #expect(editor.cursor == editor.buffer.count)
        var killed = editor
        #expect(killed.handle(.deleteWordBack) == .edited)
        #expect(killed.line == "hello, ")
        #expect(killed.handle(.home) == .edited && killed.handle(.killToEnd) == .edited && killed.line.isEmpty)
    }

    @Test func enterSubmitsAndRemembersHistory() {
        var editor = LineEditor()
        var decoder = KeyDecoder()
        #expect(Self.type(Array("/connect 2\rhi there\r\r".utf8), into: &editor, decoder: &decoder) == [
            .submitted("/connect 2"), .submitted("hi there"), .submitted(""),
        ])
        #expect(editor.history == ["/connect 2", "hi there"], "an empty line is not history")
        // A draft is kept while browsing: Up, Up, Down, Down returns to it.
        _ = Self.type(Array("draft".utf8), into: &editor, decoder: &decoder)
        _ = editor.handle(.up)
        #expect(editor.line == "hi there")
        _ = editor.handle(.up)
        _ = editor.handle(.up)
        #expect(editor.line == "/connect 2")
        _ = editor.handle(.down)
        #expect(editor.line == "hi there")
        _ = editor.handle(.down)
        #expect(editor.line == "draft")
        #expect(editor.handle(.enter) == .submitted("draft"))
    }

    @Test func ctrlCInterruptsAndCtrlDOnAnEmptyLineEndsInput() {
        #expect(Self.type("abc\u{03}").1 == [.interrupt])
        #expect(Self.type("\u{04}").1 == [.endOfInput])
        let (editor, outcomes) = Self.type("ab\u{02}\u{04}")
        #expect(outcomes.isEmpty, "Ctrl-D inside a line deletes")
        #expect(editor.line == "a")
    }

    @Test func displayWidthCountsColumns() {
        #expect(DisplayWidth.of("hello") == 5)
        #expect(DisplayWidth.of("\u{1B}[2mdim\u{1B}[0m") == 3)
        #expect(DisplayWidth.of("日本") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("✓ ↻") == 3)
    }
}
