// `dialect infer` on real recordings of the fixture implementations (Fixtures/infer, made by
// record-session.sh): the inferred dialect decodes every datagram of the session exactly as the
// hand-written one does, message by message.
import Foundation
import Testing
import UDPChatCapture
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

@Suite struct InferRecordedTests {
    static let dialects = ["colon": "Fixtures/dialects/colon.dialect.yaml", "json": "Fixtures/dialects/json.dialect.yaml",
                           "wordy": "Fixtures/real/wordy/wordy.dialect.yaml"]

    static func infer(_ fixture: String) throws -> (Capture, InferredDialect) {
        let folder = repositoryRoot + "/Fixtures/infer/\(fixture)"
        let capture = try PcapReader.read(path: folder + "/session.pcap")
        let values = try InferValues.parse(yaml: try String(contentsOfFile: folder + "/session.values.yaml", encoding: .utf8), file: "values")
        let console = try String(contentsOfFile: folder + "/session.console.log", encoding: .utf8)
        let datagrams = capture.datagrams.map { InferDatagram(time: $0.timestamp, from: $0.source, to: $0.destination, bytes: $0.payload) }
        return (capture, try DialectInference.infer(datagrams, server: nil, values: values, console: console, name: fixture))
    }

    @Test(arguments: ["colon", "json", "wordy"])
    func aRecordedSessionDecodesAsWithTheHandWrittenDialect(fixture: String) throws {
        let (capture, inferred) = try Self.infer(fixture)
        let mine = try Dialect.parse(yaml: inferred.yaml, file: fixture)
        let real = try Dialect.load(repositoryRoot + "/" + Self.dialects[fixture]!)
        #expect(mine.examples().allSatisfy { $0.problem == nil })
        #expect(Set(mine.verbs) == Set(real.verbs).subtracting([.error, .reject]), "\(inferred.yaml)")
        #expect(inferred.unplaced == ["REJECT: not seen in this session"])
        let expected = ChatDecoder.decode(capture, options: .init(dialect: real)).timeline
        let decoded = ChatDecoder.decode(capture, options: .init(dialect: mine)).timeline
        #expect(expected.count == decoded.count && expected.count >= 22)
        for (want, got) in zip(expected, decoded) {
            guard case .chat = want.kind else { Issue.record("\(fixture) #\(want.frame) is not chat in the fixture's own dialect"); continue }
            #expect(got.kind == want.kind, "\(fixture) #\(want.frame) \(String(decoding: want.payload, as: UTF8.self).debugDescription)")
        }
        #expect(mine.peerSource == (fixture == "colon" ? .any : .registered))  // the colon client chats from a second socket
        #expect(inferred.messages.first { $0.verb == .msg }?.confidence == .high)
    }
}
