import CPcap
import UDPChatSupport

/// A UDP datagram taken out of a captured frame.
public struct UDPDatagram: Hashable, Sendable {
    /// Frame number in the capture, from 1 (as Wireshark counts).
    public var frame: Int
    /// Unix time in seconds.
    public var timestamp: Double
    public var source: Endpoint
    public var destination: Endpoint
    public var payload: [UInt8]

    public init(frame: Int, timestamp: Double, source: Endpoint, destination: Endpoint, payload: [UInt8]) {
        self.frame = frame
        self.timestamp = timestamp
        self.source = source
        self.destination = destination
        self.payload = payload
    }
}

/// What one captured frame holds.
public enum FrameContent: Hashable, Sendable {
    /// A complete UDP datagram.
    case udp(UDPDatagram)
    /// IP traffic other than UDP, or non-IP traffic (the reason says which).
    case notUDP(String)
    /// A UDP datagram cut short by the snap length (or a damaged header).
    case truncated(String)
    /// An IP fragment: the datagram is not reassembled.
    case fragmented(String)
}

/// One frame of a capture and what was found in it.
public struct CapturedFrame: Hashable, Sendable {
    public var number: Int
    public var timestamp: Double
    public var content: FrameContent

    public var datagram: UDPDatagram? {
        if case .udp(let datagram) = content { return datagram }
        return nil
    }
}

/// Link types the reader understands (libpcap DLT_ values).
public enum LinkType {
    public static let supported: [Int32: String] = [
        DLT_NULL: "NULL (BSD loopback)", DLT_EN10MB: "EN10MB (Ethernet)", DLT_RAW: "RAW (raw IP)",
        DLT_LOOP: "LOOP (OpenBSD loopback)", DLT_LINUX_SLL: "LINUX_SLL (Linux cooked)",
        DLT_LINUX_SLL2: "LINUX_SLL2 (Linux cooked v2)", DLT_IPV4: "IPV4 (raw IPv4)", DLT_IPV6: "IPV6 (raw IPv6)",
    ]

    /// libpcap's name for a link type (`EN10MB`), or its number.
    public static func name(_ linkType: Int32) -> String {
        if let name = pcap_datalink_val_to_name(linkType) { return String(cString: name) }
        return "\(linkType)"
    }
}

/// Pure frame parsing: link layer → IPv4/IPv6 → UDP.
public enum PacketParser {
    /// Parses one frame. `originalLength` is the length on the wire (pcap `len`); a frame whose
    /// captured bytes stop before the UDP payload ends is reported as truncated.
    public static func parse(
        linkType: Int32, frame number: Int, timestamp: Double, bytes: UnsafeRawBufferPointer, originalLength: Int
    ) -> FrameContent {
        var offset: Int
        var etherType: UInt16? = nil
        switch linkType {
        case DLT_EN10MB:
            guard bytes.count >= 14 else { return .truncated("Ethernet header cut short") }
            offset = 14
            var type = bytes.u16(12)
            while type == 0x8100 || type == 0x88A8 || type == 0x9100 {  // VLAN tags
                guard bytes.count >= offset + 4 else { return .truncated("VLAN tag cut short") }
                type = bytes.u16(offset + 2)
                offset += 4
            }
            etherType = type
        case DLT_LINUX_SLL:
            guard bytes.count >= 16 else { return .truncated("Linux cooked header cut short") }
            offset = 16
            etherType = bytes.u16(14)
        case DLT_LINUX_SLL2:
            guard bytes.count >= 20 else { return .truncated("Linux cooked v2 header cut short") }
            offset = 20
            etherType = bytes.u16(0)
        case DLT_NULL, DLT_LOOP:
            guard bytes.count >= 4 else { return .truncated("loopback header cut short") }
            offset = 4
        case DLT_RAW, DLT_IPV4, DLT_IPV6:
            offset = 0
        default:
            return .notUDP("link type \(LinkType.name(linkType)) is not supported")
        }
        if let etherType, etherType != 0x0800, etherType != 0x86DD {
            return .notUDP("EtherType 0x\(String(etherType, radix: 16, uppercase: true).leftPadded(4)) (not IP)")
        }
        guard bytes.count > offset else { return .truncated("no IP header") }
        let ip = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        let missing = max(0, originalLength - bytes.count)
        switch ip[0] >> 4 {
        case 4: return ipv4(ip, frame: number, timestamp: timestamp, missing: missing)
        case 6: return ipv6(ip, frame: number, timestamp: timestamp, missing: missing)
        default: return .notUDP("IP version \(ip[0] >> 4) is not IPv4 or IPv6")
        }
    }

    /// Parses an IP packet without a link layer (as netfilter's queue hands it over).
    public static func parseIP(_ bytes: [UInt8]) -> FrameContent {
        bytes.withUnsafeBytes { parse(linkType: DLT_RAW, frame: 0, timestamp: 0, bytes: $0, originalLength: $0.count) }
    }

    private static func ipv4(_ ip: UnsafeRawBufferPointer, frame: Int, timestamp: Double, missing: Int) -> FrameContent {
        guard ip.count >= 20 else { return .truncated("IPv4 header cut short") }
        let headerLength = Int(ip[0] & 0x0F) * 4
        guard headerLength >= 20, ip.count >= headerLength else { return .truncated("IPv4 header cut short") }
        let totalLength = Int(ip.u16(2))
        let flags = ip.u16(6)
        let protocolNumber = ip[9]
        let source = IPAddressBytes.text(UnsafeRawBufferPointer(rebasing: ip[12..<16]))
        let destination = IPAddressBytes.text(UnsafeRawBufferPointer(rebasing: ip[16..<20]))
        if flags & 0x2000 != 0 || flags & 0x1FFF != 0 {
            return .fragmented("IPv4 fragment \(source) → \(destination), id \(ip.u16(4)), offset \(Int(flags & 0x1FFF) * 8)")
        }
        guard protocolNumber == 17 else { return .notUDP("IPv4 protocol \(protocolNumber) \(source) → \(destination)") }
        // totalLength 0 happens with TSO/GSO captures; fall back to what was captured.
        let end = totalLength >= headerLength ? totalLength : ip.count + missing
        return udp(ip, from: headerLength, ipEnd: end, source: source, destination: destination, frame: frame, timestamp: timestamp)
    }

    private static func ipv6(_ ip: UnsafeRawBufferPointer, frame: Int, timestamp: Double, missing: Int) -> FrameContent {
        guard ip.count >= 40 else { return .truncated("IPv6 header cut short") }
        let source = IPAddressBytes.text(UnsafeRawBufferPointer(rebasing: ip[8..<24]))
        let destination = IPAddressBytes.text(UnsafeRawBufferPointer(rebasing: ip[24..<40]))
        let end = 40 + Int(ip.u16(4))
        var next = ip[6]
        var offset = 40
        while true {
            switch next {
            case 17:
                return udp(ip, from: offset, ipEnd: end, source: source, destination: destination, frame: frame, timestamp: timestamp)
            case 0, 43, 60:  // hop-by-hop, routing, destination options
                guard ip.count >= offset + 2 else { return .truncated("IPv6 extension header cut short") }
                next = ip[offset]
                offset += (Int(ip[offset + 1]) + 1) * 8
            case 51:  // authentication header
                guard ip.count >= offset + 2 else { return .truncated("IPv6 extension header cut short") }
                next = ip[offset]
                offset += (Int(ip[offset + 1]) + 2) * 4
            case 44:
                return .fragmented("IPv6 fragment \(source) → \(destination)")
            default:
                return .notUDP("IPv6 next header \(next) \(source) → \(destination)")
            }
        }
    }

    private static func udp(
        _ ip: UnsafeRawBufferPointer, from offset: Int, ipEnd: Int, source: String, destination: String,
        frame: Int, timestamp: Double
    ) -> FrameContent {
        guard ip.count >= offset + 8 else { return .truncated("UDP header cut short \(source) → \(destination)") }
        let sourcePort = ip.u16(offset)
        let destinationPort = ip.u16(offset + 2)
        let udpLength = Int(ip.u16(offset + 4))
        let route = "\(Endpoint(host: source, port: sourcePort)) → \(Endpoint(host: destination, port: destinationPort))"
        guard udpLength >= 8 else { return .truncated("UDP length \(udpLength) is below 8 \(route)") }
        let payloadEnd = offset + udpLength
        guard payloadEnd <= ipEnd else { return .truncated("UDP length \(udpLength) exceeds the IP packet \(route)") }
        guard payloadEnd <= ip.count else {
            return .truncated("UDP datagram \(route) captured \(max(0, ip.count - offset - 8)) of \(udpLength - 8) payload bytes")
        }
        let payload = Array(UnsafeRawBufferPointer(rebasing: ip[(offset + 8)..<payloadEnd]))
        return .udp(UDPDatagram(
            frame: frame, timestamp: timestamp,
            source: Endpoint(host: source, port: sourcePort), destination: Endpoint(host: destination, port: destinationPort),
            payload: payload))
    }
}

extension UnsafeRawBufferPointer {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) << 8 | UInt16(self[at + 1]) }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
