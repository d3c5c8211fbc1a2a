/// Reads the kernel's per-socket UDP drop counters (receive queue overflow and other drops)
/// from `/proc/net/udp` and `/proc/net/udp6`: the last column, `drops`, of each socket line.
enum KernelDrops {
    /// Sum of `drops` over the sockets bound to any of `ports` (nil when /proc is unavailable).
    static func read(ports: Set<Int>) -> UInt64? {
        var total: UInt64 = 0
        var found = false
        for path in ["/proc/net/udp", "/proc/net/udp6"] {
            guard let text = readFile(path) else { continue }
            found = true
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 13, let colon = fields[1].lastIndex(of: ":"),
                      let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16), ports.contains(port),
                      let drops = UInt64(fields[fields.count - 1])
                else { continue }
                total += drops
            }
        }
        return found ? total : nil
    }

    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
