import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT

/// A correct server is not failed for one lost datagram: the reference server behind `udpchat proxy`
/// dropping one LOOKUP (the field trial's repro of S-CONCURRENT blaming a late REGISTERED).
@Suite(.serialized) struct LossyServerTests {
    /// The reference server on a second port behind the proxy on {port}, with `rules`.
    static func lossyReference(binary: String, rules: [String]) -> Manifest {
        let inner = PortAllocator.shared.next()
        let script = "\"$0\" server --port \(inner) --no-table & exec \"$0\" proxy --listen 127.0.0.1:$1 --to 127.0.0.1:\(inner) "
            + rules.map { "--rule '\($0)' " }.joined() + "--stats-interval 0"
        return Manifest(name: "reference-server-lossy", role: .server, command: ["sh", "-c", script, binary, "{port}"],
                        workdir: FixtureGradingTests.root.path)
    }

    @Test(.enabled(if: FixtureGradingTests.udpchatBinary != nil, "needs .build/debug/udpchat (swift build)"))
    func concurrentToleratesOneLostLookup() async throws {
        let binary = try #require(FixtureGradingTests.udpchatBinary)
        // client-1 looks up 101: its first LOOKUP is lost, it re-sends after 0.5 s.
        let manifest = Self.lossyReference(binary: binary, rules: ["drop dir=up verb=LOOKUP id=101 nth=1"])
        let report = await FixtureGradingTests.grade(manifest, cases: ["S-CONCURRENT"], rto: 0.5)
        let result = try #require(report.cases.first)
        #expect(result.verdict == .pass, "\(result.verdict.rawValue): \(result.detail)")
        #expect(result.events.contains { $0.node == "client-1" && $0.tag == "re-send" && $0.text.hasPrefix("LOOKUP 101") })
    }

    @Test(.enabled(if: FixtureGradingTests.udpchatBinary != nil, "needs .build/debug/udpchat (swift build)"))
    func concurrentToleratesALateAnswerOfThePreviousPhase() async throws {
        let binary = try #require(FixtureGradingTests.udpchatBinary)
        // client-2 (101) gets its first REGISTERED 1.2 s late, after its re-send was answered and the
        // LOOKUP phase began; its first LOOKUP (of 102) is lost, so it is still waiting when the late one comes.
        let manifest = Self.lossyReference(binary: binary, rules: ["delay 1200ms dir=down verb=REGISTERED id=101 nth=1",
                                                                   "drop dir=up verb=LOOKUP id=102 nth=1"])
        let report = await FixtureGradingTests.grade(manifest, cases: ["S-CONCURRENT"], rto: 0.5)
        let result = try #require(report.cases.first)
        #expect(result.verdict == .pass, "\(result.verdict.rawValue): \(result.detail)")
        let lookupPhase = try #require(result.events.first { $0.kind == .sent && $0.text.hasPrefix("LOOKUP") }?.time)
        #expect(result.events.contains { $0.node == "client-2" && $0.kind == .received && $0.text.hasPrefix("REGISTERED 101") && $0.time > lookupPhase },
                "the late REGISTERED must arrive during the LOOKUP phase for this test to mean anything")
    }

    @Test func aWrongAnswerInAPhaseStillFails() async throws {
        // A server that answers every LOOKUP with REGISTERED: the late-repeat tolerance must not hide it.
        let script = "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('127.0.0.1',int(sys.argv[1])))\n"
            + "while True:\n d,a=s.recvfrom(2000)\n f=d.decode().split(' ')\n"
            + " if f[0]=='REGISTER': s.sendto(('REGISTERED %s %s'%(f[1],f[2])).encode(),a)\n"
            + " elif f[0]=='LOOKUP': s.sendto(('REGISTERED %s 1'%f[1]).encode(),a)\n"
            + " else: s.sendto(('LEFT %s'%f[1]).encode(),a)\n"
        let manifest = Manifest(name: "wrong-lookup", role: .server, command: ["python3", "-c", script, "{port}"],
                                workdir: FixtureGradingTests.faulty)
        let report = await FixtureGradingTests.grade(manifest, cases: ["S-CONCURRENT"], rto: 0.3)
        let result = try #require(report.cases.first)
        #expect(result.verdict == .fail, "\(result.verdict.rawValue): \(result.detail)")
        #expect(result.detail.hasPrefix("LOOKUP: client-") && result.detail.contains("got 'REGISTERED"), "\(result.detail)")
    }
}
