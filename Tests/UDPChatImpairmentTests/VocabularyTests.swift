import Testing
import UDPChatImpairment
import UDPChatSupport

@Suite struct VocabularyTests {
    @Test func percentages() throws {
        #expect(try Vocabulary.percent("10%") == 0.1)
        #expect(try Vocabulary.percent("0.5%") == 0.005)
        for bad in ["10", "-1%", "101%", "abc%", "%"] {
            #expect(throws: ImpairmentParseError.self) { try Vocabulary.percent(bad) }
        }
    }

    @Test func ratesDurationsWindows() throws {
        #expect(try Vocabulary.rate("1mbit") == 1e6)
        #expect(try Vocabulary.rate("100kbps") == 800_000)
        #expect(try Vocabulary.duration("50ms") == .milliseconds(50))
        #expect(try Vocabulary.window("5s+3s") == TimeWindow(start: .seconds(5), length: .seconds(3)))
        #expect(throws: ImpairmentParseError(token: "5s", reason: "not a window (use START+LENGTH, e.g. 5s+3s)")) {
            try Vocabulary.window("5s")
        }
        #expect(throws: ImpairmentParseError.self) { try Vocabulary.rate("fast") }
    }

    @Test func lossModels() throws {
        #expect(try LossModel.parse("10%") == .random(probability: 0.1, correlation: 0))
        #expect(try LossModel.parse("10%,corr=25%") == .random(probability: 0.1, correlation: 0.25))
        #expect(try LossModel.parse("ge:p=1%,r=25%") == .gilbertElliott(p: 0.01, r: 0.25, h: 0, k: 1))
        #expect(try LossModel.parse("0%") == nil)
        let error = #expect(throws: ImpairmentParseError.self) { try LossModel.parse("ge:p=1%,x=2%") }
        #expect(error?.token == "x=2%")
        #expect(throws: ImpairmentParseError.self) { try LossModel.parse("ge:p=1%") }
    }

    @Test func directionPrefixes() throws {
        var c = ImpairmentConfig()
        try c.apply(key: "loss", directionalValue: "up:10%")
        try c.apply(key: "delay", directionalValue: "50ms")
        #expect(c.up.loss == .random(probability: 0.1, correlation: 0))
        #expect(c.down.loss == nil)
        #expect(c.up.delay == .milliseconds(50) && c.down.delay == .milliseconds(50))
        let error = #expect(throws: ImpairmentParseError.self) { try c.apply(key: "lose", directionalValue: "10%") }
        #expect(error?.token == "lose")
    }

    @Test func rules() throws {
        let rule = try Rule.parse("drop dir=up verb=MSG seq=1 nth=1")
        #expect(rule.action == .drop && rule.direction == .up && rule.seq == 1 && rule.nth == Rule.Nth(from: 1, through: 1))
        #expect(try Rule.parse("duplicate verb=ACCEPT").action == .duplicate(extraCopies: 1))
        #expect(try Rule.parse("duplicate 3 verb=ACCEPT").action == .duplicate(extraCopies: 3))
        #expect(try Rule.parse("delay 3s verb=TERMINATED").action == .delay(.seconds(3)))
        #expect(try Rule.parse("drop nth=2+").nth == Rule.Nth(from: 2, through: nil))
        #expect(try Rule.parse("drop nth=2-4").nth == Rule.Nth(from: 2, through: 4))
        let cases: [(String, String)] = [
            ("explode verb=MSG", "explode"), ("drop verb=NOPE", "NOPE"), ("drop dir=sideways", "dir=sideways"),
            ("drop colour=red", "colour=red"), ("drop seq=0", "0"), ("delay verb=MSG", "delay verb=MSG"),
            ("drop nth=4-2", "4-2"),
        ]
        for (text, token) in cases {
            let error = #expect(throws: ImpairmentParseError.self) { try Rule.parse(text) }
            #expect(error?.token == token, "\(text)")
        }
    }
}
