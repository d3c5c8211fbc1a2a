import Foundation
import Testing
import UDPChatCapture
import UDPChatSupport

/// A fresh temporary folder for one test.
func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "udpchat-capture-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func files(in folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}

/// The repository root (for Fixtures/ and contrib/).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Independent check of an Internet checksum: the one's complement sum of all 16-bit words,
/// checksum field included, must be 0xFFFF.
func onesComplementSumIsAllOnes(_ bytes: [UInt8]) -> Bool {
    var sum: UInt32 = 0
    var index = 0
    while index < bytes.count {
        let high = UInt32(bytes[index])
        let low = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
        sum += high << 8 | low
        index += 2
    }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    return sum == 0xFFFF
}

/// Reads the raw frames of a classic little-endian microsecond pcap file (independently of
/// libpcap) for header checks.
func rawPcapFrames(_ path: String) throws -> (linkType: UInt32, frames: [[UInt8]]) {
    let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    func u32(_ at: Int) -> UInt32 { UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24 }
    #expect(u32(0) == 0xA1B2_C3D4)
    var frames: [[UInt8]] = []
    var offset = 24
    while offset + 16 <= data.count {
        let length = Int(u32(offset + 8))
        frames.append(Array(data[(offset + 16)..<(offset + 16 + length)]))
        offset += 16 + length
    }
    return (u32(20), frames)
}

/// A minimal pcapng file (SHB, one Ethernet IDB, EPBs with microsecond timestamps).
func pcapngFile(frames: [(timestamp: Double, bytes: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
    func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
    // Section header block
    u32(0x0A0D_0D0A); u32(28); u32(0x1A2B_3C4D); u16(1); u16(0)
    u32(0xFFFF_FFFF); u32(0xFFFF_FFFF); u32(28)
    // Interface description block: link type 1 (Ethernet), snaplen 65535
    u32(1); u32(20); u16(1); u16(0); u32(65535); u32(20)
    for frame in frames {
        let padded = (frame.bytes.count + 3) & ~3
        let total = UInt32(32 + padded)
        let micros = UInt64((frame.timestamp * 1e6).rounded())
        u32(6); u32(total); u32(0)
        u32(UInt32(micros >> 32)); u32(UInt32(micros & 0xFFFF_FFFF))
        u32(UInt32(frame.bytes.count)); u32(UInt32(frame.bytes.count))
        out.append(contentsOf: frame.bytes)
        out.append(contentsOf: [UInt8](repeating: 0, count: padded - frame.bytes.count))
        u32(total)
    }
    return out
}

/// A datagram for building captures in tests.
struct Packet {
    var time: Double
    var from: Endpoint
    var to: Endpoint
    var text: String
}

let server = Endpoint(host: "127.0.0.1", port: 7070)
let alice = Endpoint(host: "127.0.0.1", port: 50001)
let bob = Endpoint(host: "127.0.0.1", port: 50002)

/// Writes packets to a pcap through `PcapWriter` and returns the path.
func writeCapture(_ packets: [Packet], in folder: String, name: String = "test.pcap") throws -> String {
    let path = folder + "/" + name
    let writer = try PcapWriter(path: path)
    for packet in packets {
        try writer.write(timestamp: packet.time, source: packet.from, destination: packet.to, payload: Array(packet.text.utf8))
    }
    try writer.finish()
    return path
}

/// Runs a program and returns its exit status and standard output; nil if it is not installed.
/// `udpchat` is the one this package built (`.build/debug/udpchat`).
func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String)? {
    var candidates = ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/usr/sbin/\(name)"]
    if name == "udpchat" { candidates = [repositoryRoot + "/.build/debug/udpchat"] }
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
