import Testing
import UDPChatSupport

/// The pure helpers every module builds on.
@Suite("Support: durations")
struct DurationParserTests {
    static let good: [(String, Int64)] = [
        ("10s", 10_000_000_000), ("500ms", 500_000_000), ("0.5", 500_000_000), ("10", 10_000_000_000),
        ("250us", 250_000), ("250µs", 250_000), ("250μs", 250_000), ("2m", 120_000_000_000), ("1h", 3_600_000_000_000),
        ("15ns", 15), ("0.1s", 100_000_000), (" 2s ", 2_000_000_000), ("1.5ms", 1_500_000), ("0", 0),
        (".5", 500_000_000),
    ]

    @Test(arguments: good)
    func parses(text: String, nanoseconds: Int64) throws {
        #expect(try DurationParser.parse(text) == .nanoseconds(nanoseconds))
    }

    @Test(arguments: ["", " ", "s", "ms", "abc", "-1s", "+1s", "1e3", "1.2.3s", "10 s", "10S", "10sec", "1x", ".", "inf", "nan",
                      "0x10", "1_000", "99999999999999s", "١s"])
    func rejects(text: String) {
        #expect(throws: DurationParser.Failure.self) { try DurationParser.parse(text) }
    }

    @Test func failureNamesTheInput() {
        do {
            _ = try DurationParser.parse("soon")
            Issue.record("expected a failure")
        } catch {
            #expect(error.description.contains("'soon'"))
            #expect(error.description.contains("500ms"))
        }
    }

    @Test func instantArithmetic() {
        let start = Instant(nanoseconds: 1_000)
        #expect(start + .milliseconds(1) == Instant(nanoseconds: 1_001_000))
        #expect((start + .seconds(2)) - start == .seconds(2))
        #expect(start - .nanoseconds(1_000) == .zero)
        #expect(Instant.zero < start)
        #expect(Duration.milliseconds(1500).compactDescription == "1.5s")
        #expect(Duration.milliseconds(250).compactDescription == "250ms")
        #expect(Duration.microseconds(40).compactDescription == "40µs")
        #expect(Duration.nanoseconds(7).compactDescription == "7ns")
        #expect(Duration.seconds(3).nanoseconds == 3_000_000_000)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
    }
}

@Suite("Support: endpoints")
struct EndpointTests {
    static let good: [(String, String, UInt16)] = [
        ("127.0.0.1:7070", "127.0.0.1", 7070), ("[::1]:7070", "::1", 7070), ("localhost:1", "127.0.0.1", 1),
        ("10.0.0.2:65535", "10.0.0.2", 65535), ("[fe80::1]:80", "fe80::1", 80), ("example.org:53", "example.org", 53),
    ]

    @Test(arguments: good)
    func parses(text: String, host: String, port: UInt16) {
        #expect(Endpoint(parsing: text) == Endpoint(host: host, port: port))
    }

    @Test(arguments: ["", "127.0.0.1", "127.0.0.1:", ":7070", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:port", "::1:7070",
                      "[::1]", "[::1]7070", "[::1:7070", "[]:80", "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1: 80", "127.0.0.1:80 "])
    func rejects(text: String) {
        #expect(Endpoint(parsing: text) == nil)
    }

    @Test func description() {
        #expect(Endpoint(host: "127.0.0.1", port: 7070).description == "127.0.0.1:7070")
        #expect(Endpoint(host: "::1", port: 7070).description == "[::1]:7070")
        for text in ["127.0.0.1:7070", "[::1]:9"] {
            #expect(Endpoint(parsing: text)?.description == text)
        }
    }
}

@Suite("Support: seeded randomness")
struct SplitMix64Tests {
    @Test func sameSeedSameSequence() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        var c = SplitMix64(seed: 43)
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test func knownVector() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func streamsAreDeterministicAndIndependent() {
        var a1 = SplitMix64.stream(seed: 7, label: "rule-0/inbound")
        var a2 = SplitMix64.stream(seed: 7, label: "rule-0/inbound")
        var b = SplitMix64.stream(seed: 7, label: "rule-0/outbound")
        var c = SplitMix64.stream(seed: 8, label: "rule-0/inbound")
        let a = (0..<50).map { _ in a1.next() }
        #expect(a == (0..<50).map { _ in a2.next() })
        #expect(a != (0..<50).map { _ in b.next() })
        #expect(a != (0..<50).map { _ in c.next() })
        // Drawing from one stream does not shift another.
        var x = SplitMix64.stream(seed: 1, label: "x")
        var y = SplitMix64.stream(seed: 1, label: "y")
        let yAlone = (0..<10).map { _ in y.next() }
        var y2 = SplitMix64.stream(seed: 1, label: "y")
        for _ in 0..<1000 { _ = x.next() }
        #expect(yAlone == (0..<10).map { _ in y2.next() })
    }

    @Test func unitIntervalAndRanges() {
        var generator = SplitMix64(seed: 99)
        let values = (0..<10_000).map { _ in generator.nextUnit() }
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(values.reduce(0, +) / 10_000 - 0.5) < 0.02)
        let dice = (0..<1000).map { _ in Int.random(in: 1...6, using: &generator) }
        #expect(Set(dice) == Set(1...6))
    }
}
