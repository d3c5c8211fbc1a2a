import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT

/// A correct server is not failed for one lost datagram: the reference server behind `udpchat proxy`
/// dropping one LOOKUP (the field trial's repro of S-CONCURRENT blaming a late REGISTERED).
@Suite(.serialized) struct LossyServerTests {
    /// The reference server on a second port behind the proxy on {port}, with `rule`.
    static func lossyReference(binary: String, rule: String) -> Manifest {
        let inner = PortAllocator.shared.next()
        let script = "\"$0\" server --port \(inner) --no-table & exec \"$0\" proxy --listen 127.0.0.1:$1 --to 127.0.0.1:\(inner) "
            + "--rule '\(rule)' --stats-interval 0"
        return Manifest(name: "reference-server-lossy", role: .server, command: ["sh", "-c", script, binary, "{port}"],
                        workdir: FixtureGradingTests.root.path)
    }

    @Test(.enabled(if: FixtureGradingTests.udpchatBinary != nil, "needs .build/debug/udpchat (swift build)"))
    func concurrentToleratesOneLostLookup() async throws {
        let binary = try #require(FixtureGradingTests.udpchatBinary)
        // client-1 looks up 101: its first LOOKUP is lost, it re-sends after 0.5 s.
        let manifest = Self.lossyReference(binary: binary, rule: "drop dir=up verb=LOOKUP id=101 nth=1")
        let report = await FixtureGradingTests.grade(manifest, cases: ["S-CONCURRENT"], rto: 0.5)
        let result = try #require(report.cases.first)
        #expect(result.verdict == .pass, "\(result.verdict.rawValue): \(result.detail)")
        #expect(result.events.contains { $0.node == "client-1" && $0.tag == "re-send" && $0.text.hasPrefix("LOOKUP 101") })
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
