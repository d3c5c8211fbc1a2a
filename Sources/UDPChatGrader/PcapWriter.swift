import Foundation
import UDPChatSupport

/// Writes a case's datagrams as a classic pcap file (LINKTYPE_RAW: synthesized IPv4 + UDP headers),
/// so `udpchat decode`, tcpdump or Wireshark can read what crossed the wire.
enum PcapWriter {
    static func pcap(_ events: [TraceEvent], startedAt epoch: Double) -> [UInt8] {
        var out: [UInt8] = []
        func le32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        func le16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        le32(0xa1b2_c3d4); le16(2); le16(4); le32(0); le32(0); le32(65_535); le32(101)
        for event in events where event.isDatagram {
            guard let bytes = event.bytes, let remote = event.remote.flatMap(Endpoint.init(parsing:)),
                  let local = event.local.flatMap(Endpoint.init(parsing:)),
                  let remoteIP = ipv4(remote.host), let localIP = ipv4(local.host) else { continue }
            let (src, sport, dst, dport) = event.kind == .sent
                ? (localIP, local.port, remoteIP, remote.port) : (remoteIP, remote.port, localIP, local.port)
            let packet = ipv4UDP(src: src, sport: sport, dst: dst, dport: dport, payload: bytes)
            let time = epoch + event.time
            le32(UInt32(time)); le32(UInt32((time - time.rounded(.down)) * 1e6))
            le32(UInt32(packet.count)); le32(UInt32(packet.count))
            out.append(contentsOf: packet)
        }
        return out
    }

    static func ipv4(_ host: String) -> [UInt8]? {
        let parts = host.split(separator: ".").compactMap { UInt8($0) }
        return parts.count == 4 ? parts : nil
    }

    static func ipv4UDP(src: [UInt8], sport: UInt16, dst: [UInt8], dport: UInt16, payload: [UInt8]) -> [UInt8] {
        let total = 28 + payload.count
        var header: [UInt8] = [0x45, 0, UInt8(total >> 8 & 0xff), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 17, 0, 0] + src + dst
        var sum: UInt32 = 0
        for index in stride(from: 0, to: 20, by: 2) { sum += UInt32(header[index]) << 8 | UInt32(header[index + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xff)
        let udpLength = 8 + payload.count
        let udp: [UInt8] = [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff),
                            UInt8(udpLength >> 8 & 0xff), UInt8(udpLength & 0xff), 0, 0]
        return header + udp + payload
    }
}
