import Foundation
import Testing
@testable import UDPChatReports

struct ProtocolRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The rows of docs/PROTOCOL.md §10: `| <a id="ID"></a>ID | LEVEL | text | sections | cases |`.
    static func documentedRules() throws -> [ProtocolRules.Rule] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        let row = /^\| <a id="([A-Z]+-\d+)"><\/a>([A-Z]+-\d+) \| ([A-Z ]+) \| (.*) \| (.*?) \| (.*?) \|\s*$/
        return text.split(separator: "\n").compactMap { line in
            guard let match = String(line).wholeMatch(of: row), match.output.1 == match.output.2 else { return nil }
            return ProtocolRules.Rule(id: String(match.output.1), level: String(match.output.3), text: String(match.output.4),
                                      sections: String(match.output.5), cases: String(match.output.6))
        }
    }

    @Test func tableIsDocsProtocolSection10() throws {
        let documented = try Self.documentedRules()
        #expect(documented.count > 50)
        #expect(ProtocolRules.all == documented, "regenerate with python3 Scripts/protocol-rules.py")
    }

    @Test func casesMapToTheRulesThatNameThem() {
        #expect(ProtocolRules.rules(forCase: "S-REGISTER") == ["SRV-3"])
        #expect(ProtocolRules.rules(forCase: "S-REGISTER-REPEAT") == ["SRV-4", "SRV-12"])
        #expect(ProtocolRules.rules(forCase: "C-MSG-DEDUP") == ["MSG-4", "MSG-7"])
        // Named by TIME-2, by TIME-3 ("same as TIME-2") and by the broad rows.
        #expect(ProtocolRules.rules(forCase: "C-MSG-RESEND") == ["MSG-2", "TIME-2", "TIME-3", "TIME-1", "GIVE-1"])
        #expect(ProtocolRules.rules(forCase: "NO-SUCH-CASE").isEmpty)
    }

    @Test func anchorsComeFromTheSectionLinks() throws {
        let rule = try #require(ProtocolRules.rule("MSG-7"))
        #expect(ProtocolRules.anchors(rule) == ["receiving", "manifest"])
    }
}
