import Testing
@testable import UDPChatBench

@Suite("Bench: the proxy report")
struct ProxyBenchReportTests {
    private func run(_ name: String, rate: Double, p50: Int, p99: Int, reference: (Int, Int)? = nil) -> ProxyBenchRun {
        ProxyBenchRun(name: name, deliveredPerSecond: rate, proxiedPerSecond: nil, rttP50: p50, rttP99: p99,
                      referenceP50: reference?.0, referenceP99: reference?.1, pingsLost: 0, kernelDrops: nil,
                      proxyMicrosPerDatagram: nil)
    }

    @Test func theDelayErrorIsMeasuredAgainstTheReferencePingedInTheSameRun() {
        let runs = [
            run("direct", rate: 200_000, p50: 50, p99: 90),
            run("c-relay", rate: 180_000, p50: 80, p99: 120),
            // The undelayed run's figures are not the reference: its RTT was measured earlier.
            run("proxy", rate: 160_000, p50: 90, p99: 900),
            run("proxy+delay", rate: 150_000, p50: 2_110, p99: 2_230, reference: (100, 210)),
        ]
        let report = ProxyBench.report(runs, options: ProxyBenchOptions())
        #expect(report.contains("p50 error +10 µs (target ±50), p99 error +20 µs (target ≤ +200)"))
        #expect(report.contains("RTT p50 100 µs, p99 210 µs"))
        #expect(report.contains("throughput proxy/c-relay: 0.89 (target ≥ 0.80)"))
    }

    @Test func withoutAReferenceThereIsNoDelayError() {
        let runs = [run("proxy", rate: 1, p50: 90, p99: 100), run("proxy+delay", rate: 1, p50: 2_100, p99: 2_200)]
        #expect(!ProxyBench.report(runs, options: ProxyBenchOptions()).contains("p50 error"))
    }
}
