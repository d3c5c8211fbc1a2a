import Testing
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport
import UDPChatWire

/// The same seed and the same input sequence give byte-identical traces.
@Suite struct DeterminismTests {
    func trace(seed: UInt64) throws -> String {
        var config = ImpairmentConfig()
        for (key, value) in [
            ("loss", "ge:p=3%,r=30%"), ("delay", "up:30ms"), ("jitter", "up:10ms"), ("distribution", "normal"),
            ("duplicate", "5%"), ("reorder", "down:5%"), ("corrupt", "1%"), ("mtu", "up:22"),
        ] { try config.apply(key: key, directionalValue: value) }
        config.rules = [try Rule.parse("drop dir=up verb=MSG seq=3"), try Rule.parse("duplicate verb=ACK p=20%")]
        var engine = ImpairmentEngine(config: config, seed: seed, origin: .zero)
        var lines: [String] = []
        for i in 0..<2000 {
            let now = Instant(nanoseconds: Int64(i) * 700_000)
            let up = i % 2 == 0
            let message: Message = up ? .msg(conn: 9, id: 1, seq: UInt32(i / 2 + 1), text: "message \(i)") : .ack(conn: 9, id: 2, seq: UInt32(i / 2 + 1))
            for decision in engine.process(Datagram(bytes: message.bytes, direction: up ? .up : .down, flow: 1), now: now) {
                let rule: Int? = switch decision {
                case .deliver(let d): d.rule
                case .drop(let d): d.rule
                }
                lines.append(TraceEvent(
                    time: now, link: "main", decision: decision, source: Endpoint(host: "127.0.0.1", port: 1), destination: Endpoint(host: "127.0.0.1", port: 2),
                    size: message.bytes.count, payload: message.bytes, rule: rule.map { config.rules[$0].text }
                ).jsonLine)
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test func sameSeedSameTraceBytes() throws {
        let a = try trace(seed: 12345)
        #expect(a == (try trace(seed: 12345)))
        #expect(a != (try trace(seed: 54321)))
        for verdict in ["dropped", "duplicated", "delayed", "truncated", "reordered", "forwarded"] {
            #expect(a.contains("\"verdict\":\"\(verdict)\""), "\(verdict) occurs")
        }
    }
}
