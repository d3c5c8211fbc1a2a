import Foundation
import Testing
@testable import UDPChatReports

final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ more: String) { lock.withLock { text += more } }
    var value: String { lock.withLock { text } }
}

struct ProgressReporterTests {
    @Test func pipedPrintsANumberedLinePerItem() {
        let out = Collected()
        let reporter = ProgressReporter(total: 3, label: "cases", live: false, sink: out.append)
        reporter.finished("S-REGISTER PASS", failed: false)
        reporter.say("  detail")
        reporter.finished("S-LEAVE FAIL", failed: true)
        reporter.finish()
        #expect(out.value == "[1/3] S-REGISTER PASS\n  detail\n[2/3] S-LEAVE FAIL\n")
        #expect(!out.value.contains("\u{1B}"))
    }

    @Test func pipedEveryNthPassingButEachFailure() {
        let out = Collected()
        let reporter = ProgressReporter(total: 10, label: "seeds", live: false, every: 5, sink: out.append)
        for seed in 1...10 { reporter.finished("seed \(seed)", failed: seed == 3) }
        #expect(out.value.split(separator: "\n") == ["[3/10] seed 3", "[5/10] seed 5", "[10/10] seed 10"])
    }

    @Test func liveKeepsAStatusLineBelowTheLines() {
        let out = Collected()
        let reporter = ProgressReporter(total: 4, label: "runs", live: true, sink: out.append)
        reporter.finished("a PASS", failed: false)
        reporter.finished("b FAIL", failed: true)
        #expect(reporter.status.hasPrefix("2/4 runs, 1 failing, 0:00 elapsed, ETA 0:0"))
        reporter.finish()
        let text = out.value
        // Passing items only move the status line; the failure is printed above it; finish clears it.
        #expect(!text.contains("a PASS"))
        #expect(text.contains("\r\u{1B}[K[2/4] b FAIL\n\r\u{1B}[K2/4 runs, 1 failing"))
        #expect(text.hasSuffix("\r\u{1B}[K"))
    }

    @Test func clockFormat() {
        #expect(ProgressReporter.clock(.seconds(5)) == "0:05")
        #expect(ProgressReporter.clock(.seconds(75)) == "1:15")
        #expect(ProgressReporter.clock(.seconds(3725)) == "1:02:05")
    }
}
