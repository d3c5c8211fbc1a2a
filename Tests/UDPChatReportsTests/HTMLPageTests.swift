import Testing
@testable import UDPChatReports

struct HTMLPageTests {
    @Test func talliesRuleLinksAndFolding() {
        let tallies = HTMLPage.tallies([.init("FAIL", 2), .init("PASS", 0)])
        #expect(tallies.contains("<b>2</b>FAIL") && tallies.contains("tally PASS none"))
        let links = HTMLPage.ruleLinks(["SRV-3"])
        #expect(links.contains("href=\"#rule-SRV-3\"") && links.contains("MUST: REGISTER for a free id"))
        let list = HTMLPage.ruleList(["SRV-3", "SRV-3", "MSG-4"])
        #expect(list.hasPrefix("<details>") && list.contains("id=\"rule-SRV-3\"") && list.contains("id=\"rule-MSG-4\""))
        #expect(list.contains("The 2 rules"))
        #expect(HTMLPage.folded("probe", "<p>x</p>") == "<details><summary>probe</summary><p>x</p></details>")
        #expect(HTMLPage.escape("<a & \"b\">") == "&lt;a &amp; &quot;b&quot;&gt;")
    }

    @Test func sequenceDiagramDrawsLanesArrowsDropsConsoleAndNotes() {
        let diagram = SequenceDiagram(lanes: ["server", "alice", "bob"], rows: [
            .message(time: "0.000", from: 1, to: 0, label: "REGISTER 1 5001", style: .normal, tag: nil),
            .message(time: "0.010", from: 2, to: 1, label: "MSG 7 2 1 hi", style: .dropped, tag: "dropped: loss"),
            .message(time: "0.020", from: 2, to: 1, label: "MSG 7 2 1 hi", style: .highlighted, tag: "duplicated ×2"),
            .console(time: "0.030", lane: 1, text: "alice: [2] hi", typed: false),
            .note(time: "0.040", text: "expected ACK", bad: true),
        ], consoleTitle: "consoles", omitted: 3, gap: 200)
        let svg = diagram.svg
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        for text in ["server", "alice", "bob", "REGISTER 1 5001", "[dropped: loss]", "✕", "[duplicated ×2]", "▸ alice: [2] hi",
                     "expected ACK", "consoles", "… 3 more events"] {
            #expect(svg.contains(text), "\(text)")
        }
        #expect(SequenceDiagram(lanes: ["a"], rows: []).svg.contains("no traffic recorded"))
        // Arrowheads are drawn in place, never as <marker>s referenced by id: two diagrams on one page
        // (one in a folded section) would share ids, and the browser draws no arrowheads at all.
        #expect(!svg.contains("<marker") && !svg.contains("url(#"))
        #expect(svg.contains("<path d=\"M110.0,40.0 L118.0,36.0 L118.0,44.0 z\" fill=\"#333\"/>"), "REGISTER's arrowhead points at the server's lane")
    }

    @Test("long descriptions and notes are cut at a word, with an ellipsis; short ones stay whole")
    func textIsCutAtAWord() {
        #expect(HTMLPage.cut("the server did not answer", to: 100) == "the server did not answer")
        #expect(HTMLPage.cut("the server did not answer a probe within ten seconds", to: 24) == "the server did not…")
        #expect(HTMLPage.cut("x" + String(repeating: "y", count: 50), to: 10) == "xyyyyyyyy…")
    }

    @Test func runInfoStampsVersionTimeAndCommand() {
        let info = RunInfo.current(seed: 7)
        #expect(info.tool == "udpchat" && info.version == RunInfo.version && info.seed == 7)
        #expect(info.command == CommandLine.arguments)
        #expect(info.timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil, "\(info.timestamp)")
    }
}
