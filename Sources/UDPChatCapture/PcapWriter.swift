import CPcap
import NIOConcurrencyHelpers
import UDPChatSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes UDP datagrams to a classic pcap file through libpcap (`pcap_open_dead` +
/// `pcap_dump`), as Ethernet frames with synthesized IPv4/IPv6 and UDP headers (link type
/// EN10MB, microsecond timestamps, snaplen 65535): what Wireshark and tshark read best.
///
/// Thread-safe: every call takes an internal lock, so one writer can be shared by event loops
/// (the proxy tap). Writes go through a 1 MiB stdio buffer. The file is written under a
/// temporary name in the destination folder and appears under its real name only on
/// `finish()`; `abandon()` (or dropping an unfinished writer) deletes it.
public final class PcapWriter: @unchecked Sendable {
    /// The final path of the file.
    public let path: String
    private let output: AtomicOutput
    private let lock = NIOLock()
    private var handle: OpaquePointer?  // pcap_t *
    private var dumper: OpaquePointer?  // pcap_dumper_t *
    private var count = 0
    private var addresses: [(host: String, bytes: IPAddressBytes)] = []
    /// Frame being built (headers + payload), reused for every datagram.
    private var scratch = [UInt8](repeating: 0, count: PacketSynthesis.maxHeaderLength + PacketSynthesis.maxPayload)
    private var finished = false

    /// Opens a new synthesized-Ethernet pcap file at `path` (written on `finish()`).
    public convenience init(path: String) throws(UDPChatError) {
        guard let dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, UInt32(PCAP_TSTAMP_PRECISION_MICRO)) else {
            throw UDPChatError(.cannotWrite, "cannot write \(path): libpcap could not create a capture handle")
        }
        try self.init(path: path, handle: dead, ownsHandle: true)
    }

    /// Opens a pcap file for frames captured on `handle` (same link type and snaplen).
    init(path: String, handle: OpaquePointer, ownsHandle: Bool) throws(UDPChatError) {
        self.path = path
        self.output = AtomicOutput(path: path)
        guard let dumper = pcap_dump_open(handle, output.temporaryPath) else {
            let reason = String(cString: pcap_geterr(handle))
            if ownsHandle { pcap_close(handle) }
            throw UDPChatError(.cannotWrite, "cannot write \(path): \(reason)")
        }
        self.handle = ownsHandle ? handle : nil
        self.dumper = dumper
        if let file = pcap_dump_file(dumper) {
            setvbuf(file, nil, _IOFBF, 1 << 20)
        }
    }

    deinit {
        if !finished { abandon() }
    }

    /// Packets written so far.
    public var packetsWritten: Int { lock.withLock { count } }

    /// Appends one UDP datagram as a complete Ethernet/IP/UDP frame.
    /// - Parameter timestamp: Unix time in seconds.
    public func write(timestamp: Double, source: Endpoint, destination: Endpoint, payload: [UInt8]) throws(UDPChatError) {
        let result = payload.withUnsafeBytes { raw in
            Result { () throws(UDPChatError) in try write(timestamp: timestamp, source: source, destination: destination, payload: raw) }
        }
        try result.get()
    }

    /// Appends one UDP datagram as a complete Ethernet/IP/UDP frame.
    public func write(timestamp: Double, source: Endpoint, destination: Endpoint, payload: UnsafeRawBufferPointer) throws(UDPChatError) {
        guard payload.count <= PacketSynthesis.maxPayload else {
            throw UDPChatError(.payloadTooLarge, "UDP payload of \(payload.count) bytes is over \(PacketSynthesis.maxPayload)")
        }
        lock.lock()
        defer { lock.unlock() }
        guard let dumper else { throw UDPChatError(.cannotWrite, "cannot write \(path): already closed") }
        let from = try address(source.host)
        let to = try address(destination.host)
        scratch.withUnsafeMutableBytes { out in
            let headerLength = PacketSynthesis.writeHeaders(
                into: out, from: from, sourcePort: source.port, to: to, destinationPort: destination.port, payload: payload)
            if let base = payload.baseAddress, !payload.isEmpty {
                (out.baseAddress! + headerLength).copyMemory(from: base, byteCount: payload.count)
            }
            var header = pcap_pkthdr()
            let seconds = timestamp.rounded(.down)
            header.ts.tv_sec = Int(seconds)
            header.ts.tv_usec = min(999_999, Int(((timestamp - seconds) * 1e6).rounded()))
            header.caplen = UInt32(headerLength + payload.count)
            header.len = header.caplen
            pcap_dump(UnsafeMutablePointer<UInt8>(dumper), &header, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        count += 1
    }

    /// The libpcap dumper, for `pcap_dispatch(…, pcap_dump, dumper)` in the live capture loop:
    /// only that loop's thread may use it, and only until `finish()`/`abandon()`.
    var dumperForCaptureLoop: UnsafeMutablePointer<UInt8>? { lock.withLock { dumper.map { UnsafeMutablePointer<UInt8>($0) } } }

    /// Adds frames written directly through `dumperForCaptureLoop` to the count.
    func addCaptured(_ frames: Int) { lock.withLock { count += frames } }

    /// Appends a frame that already carries its link-layer header (live capture).
    func writeFrame(header: UnsafePointer<pcap_pkthdr>, bytes: UnsafePointer<UInt8>) throws(UDPChatError) {
        lock.lock()
        defer { lock.unlock() }
        guard let dumper else { throw UDPChatError(.cannotWrite, "cannot write \(path): already closed") }
        pcap_dump(UnsafeMutablePointer<UInt8>(dumper), header, bytes)
        count += 1
    }

    /// Parsed addresses of the few hosts seen last (a proxy has two or three).
    private func address(_ host: String) throws(UDPChatError) -> IPAddressBytes {
        for entry in addresses where entry.host == host { return entry.bytes }
        guard let parsed = IPAddressBytes(host) else { throw UDPChatError(.badAddress, "'\(host)' is not an IP address") }
        if addresses.count >= 8 { addresses.removeFirst() }
        addresses.append((host, parsed))
        return parsed
    }

    /// Flushes, closes and moves the file to its final name. Returns the packet count.
    @discardableResult
    public func finish() throws(UDPChatError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return count }
        finished = true
        var failed = false
        if let dumper {
            failed = pcap_dump_flush(dumper) != 0
            pcap_dump_close(dumper)
        }
        dumper = nil
        if let handle { pcap_close(handle) }
        handle = nil
        if failed {
            output.discard()
            throw UDPChatError(.cannotWrite, "cannot write \(path): flushing failed (disk full?)")
        }
        try output.commit()
        return count
    }

    /// Closes and deletes the unfinished file.
    public func abandon() {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        if let dumper { pcap_dump_close(dumper) }
        dumper = nil
        if let handle { pcap_close(handle) }
        handle = nil
        output.discard()
    }
}
