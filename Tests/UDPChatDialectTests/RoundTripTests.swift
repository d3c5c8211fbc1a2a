import Testing
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// The dialect fuzzer's property (`Dialect.roundTripProblem`, Fuzz/DialectFuzz) on a seeded
/// corpus, so every test run checks it: each fixture dialect's examples and malformed variants,
/// mutated (bytes flipped, cut, tokens spliced in), read without a context and as the answer to
/// a request of each kind.
@Suite struct RoundTripTests {
    static let contexts: [DialectContext] = [DialectContext(localID: 42, source: Endpoint(host: "192.0.2.1", port: 7070))]
        + Verb.allCases.filter { !$0.isRequest }.map { Dialect.exampleContext(for: $0) }
    static let tokens = [" ", "0", "1", "12", "OK", "ACK ", "TO ", "Client_", "_", ":", "\n", "\u{7F}", "x", "2147483648", "{", "\""]

    static func corpus(_ dialect: Dialect, seed: UInt64, count: Int) -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        let seeds = dialect.examples().map(\.bytes) + dialect.malformedVariants().map(\.bytes).filter { $0.count < 200 }
        var out = seeds
        while out.count < count {
            var bytes = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0...(random.next() % 3) {
                let at = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: if !bytes.isEmpty { bytes[at] = UInt8(truncatingIfNeeded: random.next()) }
                case 1: bytes = Array(bytes.prefix(at))
                case 2: if !bytes.isEmpty { bytes.remove(at: at) }
                default: bytes.insert(contentsOf: Array(tokens[Int(random.next() % UInt64(tokens.count))].utf8), at: at)
                }
            }
            out.append(bytes)
        }
        return out
    }

    @Test(arguments: ["colon", "json", "assigned", "tagged"])
    func everyFixtureRoundTripsWhatItReads(name: String) throws {
        let dialect = try Dialect.load(Samples.dialect(name))
        var read = 0
        for bytes in Self.corpus(dialect, seed: 16, count: 3000) {
            for context in Self.contexts {
                if let problem = dialect.roundTripProblem(bytes, context: context) {
                    Issue.record("\(problem) from \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                }
                if (try? dialect.read(bytes, context: context)) != nil { read += 1 }
            }
        }
        #expect(read > 300, "the corpus should hold many readable datagrams, not only malformed ones")
    }

    @Test func theEngineStillAcceptsExactlyWhatTheCodecAccepts() throws {
        let engine = Dialect.default.forcingEngine
        for bytes in Self.corpus(engine, seed: 6, count: 3000) {
            #expect((try? engine.parse(bytes)) == (try? Message.parse(bytes)), "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
            #expect(engine.roundTripProblem(bytes, context: DialectContext()) == nil)
        }
    }
}
