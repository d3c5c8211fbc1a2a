import Foundation

/// A latency histogram with 1 µs buckets up to 100 ms (slower samples go to the last bucket).
public struct LatencyHistogram: Sendable {
    private var buckets = [UInt32](repeating: 0, count: 100_001)
    public private(set) var count = 0

    public init() {}

    /// Records one latency in nanoseconds.
    public mutating func record(nanoseconds: UInt64) {
        let micros = min(Int(nanoseconds / 1000), buckets.count - 1)
        buckets[micros] &+= 1
        count += 1
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for index in buckets.indices { buckets[index] &+= other.buckets[index] }
        count += other.count
    }

    /// The latency (µs) below which `fraction` of the samples fall; nil without samples.
    public func percentile(_ fraction: Double) -> Int? {
        guard count > 0 else { return nil }
        let target = max(1, Int((Double(count) * fraction).rounded(.up)))
        var seen = 0
        for (micros, n) in buckets.enumerated() {
            seen += Int(n)
            if seen >= target { return micros }
        }
        return buckets.count - 1
    }
}

/// Reading a process's resident set size from /proc.
public enum ProcessMemory {
    /// VmRSS of `pid` in bytes, from /proc/PID/status (nil where /proc is not available).
    public static func residentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}

/// Number formatting for bench reports.
public enum BenchFormat {
    /// `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, char) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(char)
        }
        return value < 0 ? "-" + out : out
    }

    /// `12.3 MB` (10^6 bytes).
    public static func megabytes(_ bytes: Int?) -> String {
        guard let bytes else { return "unknown" }
        return String(format: "%.1f MB", Double(bytes) / 1e6)
    }

    public static func micros(_ value: Int?) -> String {
        guard let value else { return "n/a" }
        return value >= 1000 ? String(format: "%.2f ms", Double(value) / 1000) : "\(value) µs"
    }
}
