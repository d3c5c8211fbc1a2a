import CPcap
import UDPChatSupport

/// Everything read from a capture file.
public struct Capture: Sendable {
    public var path: String
    /// libpcap link type (DLT_ value) of the capture.
    public var linkType: Int32
    public var frames: [CapturedFrame]
    /// Why reading stopped before the end of the file (a truncated or corrupt file), if it did:
    /// `frames` holds every frame before the cut. Only `PcapReader.readPartial` returns one.
    public var cut: UDPChatError?

    /// The complete UDP datagrams, in capture order.
    public var datagrams: [UDPDatagram] { frames.compactMap(\.datagram) }
}

/// Reads pcap and pcapng files through libpcap (`pcap_open_offline_with_tstamp_precision`,
/// nanosecond timestamps) and extracts their UDP datagrams.
public enum PcapReader {
    /// Reads a whole capture. `filter` is a BPF expression applied by libpcap while reading.
    /// Throws a `UDPChatError` naming the file for a missing, non-pcap, corrupt or truncated file.
    public static func read(path: String, filter: String? = nil) throws(UDPChatError) -> Capture {
        let capture = try readPartial(path: path, filter: filter)
        if let cut = capture.cut { throw cut }
        return capture
    }

    /// Reads a capture as far as it can be read: a file cut short or damaged part-way gives every
    /// frame before the damage, with the error in `cut`. Throws only when nothing can be read
    /// (missing, not a capture, unsupported link type, bad filter).
    public static func readPartial(path: String, filter: String? = nil) throws(UDPChatError) -> Capture {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer) else {
            let reason = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw openError(path: path, reason: reason)
        }
        defer { pcap_close(handle) }
        let linkType = pcap_datalink(handle)
        guard LinkType.supported[linkType] != nil else {
            throw UDPChatError(.unsupportedLinkType, "\(path): link type \(LinkType.name(linkType)) is not supported (use Ethernet, Linux cooked, raw IP or loopback captures)")
        }
        if let filter { try BPF.apply(filter, to: handle, netmask: PCAP_NETMASK_UNKNOWN) }

        var frames: [CapturedFrame] = []
        var header: UnsafeMutablePointer<pcap_pkthdr>? = nil
        var data: UnsafePointer<UInt8>? = nil
        var number = 0
        var cut: UDPChatError?
        while true {
            let status = pcap_next_ex(handle, &header, &data)
            if status == 1, let header, let data {
                number += 1
                let timestamp = Double(header.pointee.ts.tv_sec) + Double(header.pointee.ts.tv_usec) / 1e9
                let bytes = UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen))
                let content = PacketParser.parse(
                    linkType: linkType, frame: number, timestamp: timestamp, bytes: bytes, originalLength: Int(header.pointee.len))
                frames.append(CapturedFrame(number: number, timestamp: timestamp, content: content))
            } else if status == PCAP_ERROR_BREAK || status == 0 {
                break  // end of file
            } else {
                let reason = String(cString: pcap_geterr(handle))
                cut = readError(path: path, reason: reason, afterFrames: number)
                break
            }
        }
        return Capture(path: path, linkType: linkType, frames: frames, cut: cut)
    }

    static func openError(path: String, reason: String) -> UDPChatError {
        if reason.contains("unknown file format") || reason.contains("bad dump file format") {
            return UDPChatError(.notACapture, "\(path) is not a pcap or pcapng capture (\(reason))")
        }
        if reason.contains("file header bytes, only got 0") {
            return UDPChatError(.truncated, "\(path) is empty, not a pcap or pcapng capture")
        }
        if reason.contains("truncated") {
            return UDPChatError(.truncated, "\(path) is truncated: \(reason)")
        }
        if reason.contains("No such file") || reason.contains("Permission denied") || reason.contains("Is a directory") {
            return UDPChatError(.cannotOpen, "cannot open \(path): \(reason.components(afterColon: true))")
        }
        return UDPChatError(.corrupt, "\(path) is not a readable capture: \(reason)")
    }

    static func readError(path: String, reason: String, afterFrames: Int) -> UDPChatError {
        if reason.contains("truncated") {
            return UDPChatError(.truncated, "\(path) is truncated after frame \(afterFrames): \(reason)")
        }
        return UDPChatError(.corrupt, "\(path) is corrupt after frame \(afterFrames): \(reason)")
    }
}

/// BPF filters compiled by libpcap.
enum BPF {
    static func apply(_ filter: String, to handle: OpaquePointer, netmask: UInt32) throws(UDPChatError) {
        var program = bpf_program()
        guard pcap_compile(handle, &program, filter, 1, netmask) == 0 else {
            throw UDPChatError(.badFilter, "filter '\(filter)' does not compile: \(String(cString: pcap_geterr(handle)))")
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw UDPChatError(.badFilter, "filter '\(filter)' cannot be applied: \(String(cString: pcap_geterr(handle)))")
        }
    }
}

extension String {
    /// The part after the last ": " of a libpcap message (drops a repeated path prefix).
    func components(afterColon: Bool) -> String {
        guard afterColon else { return self }
        let parts = self.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count > 1, let last = parts.last else { return self }
        return String(last.drop { $0 == " " })
    }
}
