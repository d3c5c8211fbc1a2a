import Testing
import UDPChatBench

@Suite("Bench: statistics and formatting")
struct BenchStatsTests {
    @Test func percentilesOfKnownSamples() {
        var histogram = LatencyHistogram()
        #expect(histogram.percentile(0.5) == nil)
        for micros in 1...100 { histogram.record(nanoseconds: UInt64(micros) * 1000) }
        #expect(histogram.count == 100)
        #expect(histogram.percentile(0.5) == 50)
        #expect(histogram.percentile(0.99) == 99)
        #expect(histogram.percentile(1.0) == 100)
    }

    @Test func slowSamplesLandInTheLastBucket() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 5_000_000_000)
        #expect(histogram.percentile(0.5) == 100_000)
    }

    @Test func mergeAddsCounts() {
        var a = LatencyHistogram()
        var b = LatencyHistogram()
        for _ in 0..<3 { a.record(nanoseconds: 10_000) }
        for _ in 0..<7 { b.record(nanoseconds: 20_000) }
        a.merge(b)
        #expect(a.count == 10)
        #expect(a.percentile(0.3) == 10)
        #expect(a.percentile(0.31) == 20)
    }

    @Test func numbersReadWell() {
        #expect(BenchFormat.grouped(1_234_567) == "1,234,567")
        #expect(BenchFormat.grouped(-1000) == "-1,000")
        #expect(BenchFormat.grouped(999) == "999")
        #expect(BenchFormat.megabytes(40_100_000) == "40.1 MB")
        #expect(BenchFormat.megabytes(nil) == "unknown")
        #expect(BenchFormat.micros(504) == "504 µs")
        #expect(BenchFormat.micros(2099) == "2.10 ms")
        #expect(BenchFormat.micros(nil) == "n/a")
    }

    @Test func readsThisProcesssMemory() throws {
        #if os(Linux)
        let bytes = try #require(ProcessMemory.residentBytes(pid: getpid()))
        #expect(bytes > 1_000_000)
        #expect(ProcessMemory.residentBytes(pid: -1) == nil)
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
