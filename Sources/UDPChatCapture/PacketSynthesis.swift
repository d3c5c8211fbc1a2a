import UDPChatSupport

/// Builds complete Ethernet frames (IPv4 or IPv6, then UDP) around a payload, with a correct
/// IPv4 header checksum and UDP checksum, so Wireshark and tshark decode them as real traffic.
///
/// Frames use zero MAC addresses (as Linux loopback captures do). An IPv4 source with an IPv6
/// destination (or the reverse) is written as IPv6 with the IPv4 side v4-mapped.
public enum PacketSynthesis {
    /// The largest UDP payload that fits an IPv4 datagram.
    public static let maxPayload = 65_507

    /// EtherType values.
    static let etherIPv4: UInt16 = 0x0800
    static let etherIPv6: UInt16 = 0x86DD

    /// An Ethernet frame carrying `payload` from `source` to `destination` over UDP.
    public static func ethernetFrame(
        source: Endpoint, destination: Endpoint, payload: UnsafeRawBufferPointer
    ) throws(CaptureError) -> [UInt8] {
        guard let from = IPAddressBytes(source.host) else {
            throw CaptureError(.badAddress, "'\(source.host)' is not an IP address")
        }
        guard let to = IPAddressBytes(destination.host) else {
            throw CaptureError(.badAddress, "'\(destination.host)' is not an IP address")
        }
        return try ethernetFrame(from: from, sourcePort: source.port, to: to, destinationPort: destination.port, payload: payload)
    }

    /// An Ethernet frame from already-parsed addresses (the writer caches them).
    public static func ethernetFrame(
        from: IPAddressBytes, sourcePort: UInt16, to: IPAddressBytes, destinationPort: UInt16,
        payload: UnsafeRawBufferPointer
    ) throws(CaptureError) -> [UInt8] {
        guard payload.count <= maxPayload else {
            throw CaptureError(.payloadTooLarge, "UDP payload of \(payload.count) bytes is over \(maxPayload)")
        }
        var frame: [UInt8] = []
        frame.reserveCapacity(14 + 40 + 8 + payload.count)
        frame.append(contentsOf: [UInt8](repeating: 0, count: 12))  // destination + source MAC
        if case .v4(let source) = from, case .v4(let destination) = to {
            frame.appendBigEndian(etherIPv4)
            appendIPv4(&frame, source: source, destination: destination, payload: payload, sourcePort: sourcePort, destinationPort: destinationPort)
        } else {
            frame.appendBigEndian(etherIPv6)
            appendIPv6(&frame, source: from.asIPv6, destination: to.asIPv6, payload: payload, sourcePort: sourcePort, destinationPort: destinationPort)
        }
        return frame
    }

    private static func appendIPv4(
        _ frame: inout [UInt8], source: [UInt8], destination: [UInt8], payload: UnsafeRawBufferPointer,
        sourcePort: UInt16, destinationPort: UInt16
    ) {
        let udpLength = UInt16(8 + payload.count)
        let start = frame.count
        frame.append(0x45)  // version 4, IHL 5
        frame.append(0)  // DSCP/ECN
        frame.appendBigEndian(UInt16(20) + udpLength)
        frame.appendBigEndian(UInt16(0))  // identification
        frame.appendBigEndian(UInt16(0x4000))  // don't fragment
        frame.append(64)  // TTL
        frame.append(17)  // UDP
        frame.appendBigEndian(UInt16(0))  // checksum, filled below
        frame.append(contentsOf: source)
        frame.append(contentsOf: destination)
        let headerChecksum = frame.withUnsafeBytes { raw in
            var checksum = InternetChecksum()
            checksum.add(UnsafeRawBufferPointer(rebasing: raw[start..<start + 20]))
            return checksum.value
        }
        frame[start + 10] = UInt8(headerChecksum >> 8)
        frame[start + 11] = UInt8(headerChecksum & 0xFF)

        var pseudo = InternetChecksum()
        pseudo.add(source + destination + [0, 17, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF)])
        appendUDP(&frame, pseudo: pseudo, payload: payload, sourcePort: sourcePort, destinationPort: destinationPort)
    }

    private static func appendIPv6(
        _ frame: inout [UInt8], source: [UInt8], destination: [UInt8], payload: UnsafeRawBufferPointer,
        sourcePort: UInt16, destinationPort: UInt16
    ) {
        let udpLength = UInt16(8 + payload.count)
        frame.append(contentsOf: [0x60, 0, 0, 0])  // version 6, traffic class 0, flow label 0
        frame.appendBigEndian(udpLength)
        frame.append(17)  // next header: UDP
        frame.append(64)  // hop limit
        frame.append(contentsOf: source)
        frame.append(contentsOf: destination)
        var pseudo = InternetChecksum()
        pseudo.add(source + destination + [0, 0, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0, 0, 17])
        appendUDP(&frame, pseudo: pseudo, payload: payload, sourcePort: sourcePort, destinationPort: destinationPort)
    }

    private static func appendUDP(
        _ frame: inout [UInt8], pseudo: InternetChecksum, payload: UnsafeRawBufferPointer,
        sourcePort: UInt16, destinationPort: UInt16
    ) {
        let udpLength = UInt16(8 + payload.count)
        let header: [UInt8] = [
            UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8), UInt8(destinationPort & 0xFF),
            UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0,
        ]
        var checksum = pseudo
        checksum.add(header)
        checksum.add(payload)
        var value = checksum.value
        if value == 0 { value = 0xFFFF }  // 0 means "no checksum" in UDP
        frame.append(contentsOf: header)
        frame[frame.count - 2] = UInt8(value >> 8)
        frame[frame.count - 1] = UInt8(value & 0xFF)
        frame.append(contentsOf: payload)
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }
}
