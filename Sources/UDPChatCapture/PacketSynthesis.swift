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
    ) throws(UDPChatError) -> [UInt8] {
        guard let from = IPAddressBytes(source.host) else {
            throw UDPChatError(.badAddress, "'\(source.host)' is not an IP address")
        }
        guard let to = IPAddressBytes(destination.host) else {
            throw UDPChatError(.badAddress, "'\(destination.host)' is not an IP address")
        }
        return try ethernetFrame(from: from, sourcePort: source.port, to: to, destinationPort: destination.port, payload: payload)
    }

    /// An Ethernet frame from already-parsed addresses (the writer caches them).
    public static func ethernetFrame(
        from: IPAddressBytes, sourcePort: UInt16, to: IPAddressBytes, destinationPort: UInt16,
        payload: UnsafeRawBufferPointer
    ) throws(UDPChatError) -> [UInt8] {
        guard payload.count <= maxPayload else {
            throw UDPChatError(.payloadTooLarge, "UDP payload of \(payload.count) bytes is over \(maxPayload)")
        }
        var frame = [UInt8](repeating: 0, count: maxHeaderLength + payload.count)
        let length = frame.withUnsafeMutableBytes { out in
            let header = writeHeaders(into: out, from: from, sourcePort: sourcePort, to: to, destinationPort: destinationPort, payload: payload)
            if let base = payload.baseAddress, !payload.isEmpty {
                (out.baseAddress! + header).copyMemory(from: base, byteCount: payload.count)
            }
            return header + payload.count
        }
        frame.removeLast(frame.count - length)
        return frame
    }

    /// An IP packet (no link layer) carrying `payload` from `source` to `destination` over UDP, both
    /// checksums right: what the transparent relay re-injects through a raw socket.
    public static func ipPacket(source: Endpoint, destination: Endpoint, payload: [UInt8]) throws(UDPChatError) -> [UInt8] {
        let frame: Result<[UInt8], UDPChatError> = payload.withUnsafeBytes { bytes in
            Result { () throws(UDPChatError) in try ethernetFrame(source: source, destination: destination, payload: bytes) }
        }
        return Array(try frame.get()[14...])
    }

    /// Ethernet (14) + IPv6 (40) + UDP (8): the longest header `writeHeaders` writes.
    public static let maxHeaderLength = 62

    /// Writes the Ethernet, IP and UDP headers for `payload` at the start of `out` (at least
    /// `maxHeaderLength` bytes), checksums included, and returns their length; the payload goes
    /// right after them. No allocation on the IPv4/IPv6 paths (the writer's hot path).
    /// The caller checks `payload.count <= maxPayload`.
    static func writeHeaders(
        into out: UnsafeMutableRawBufferPointer, from: IPAddressBytes, sourcePort: UInt16, to: IPAddressBytes,
        destinationPort: UInt16, payload: UnsafeRawBufferPointer
    ) -> Int {
        for index in 0..<12 { out[index] = 0 }  // destination + source MAC
        let udpLength = UInt16(8 + payload.count)
        var checksum = InternetChecksum()
        let udpStart: Int
        if case .v4(let source) = from, case .v4(let destination) = to {
            out.storeBigEndian(etherIPv4, at: 12)
            let ip = 14
            out[ip] = 0x45  // version 4, IHL 5
            out[ip + 1] = 0
            out.storeBigEndian(20 + udpLength, at: ip + 2)
            out.storeBigEndian(0, at: ip + 4)  // identification
            out.storeBigEndian(0x4000, at: ip + 6)  // don't fragment
            out[ip + 8] = 64  // TTL
            out[ip + 9] = 17  // UDP
            out.storeBigEndian(0, at: ip + 10)
            for index in 0..<4 {
                out[ip + 12 + index] = source[index]
                out[ip + 16 + index] = destination[index]
            }
            var header = InternetChecksum()
            header.add(UnsafeRawBufferPointer(rebasing: out[ip..<(ip + 20)]))
            out.storeBigEndian(header.value, at: ip + 10)
            checksum.add(UnsafeRawBufferPointer(rebasing: out[(ip + 12)..<(ip + 20)]))  // addresses
            checksum.add(word: 17)
            checksum.add(word: udpLength)
            udpStart = ip + 20
        } else {
            out.storeBigEndian(etherIPv6, at: 12)
            let ip = 14
            out[ip] = 0x60  // version 6
            out[ip + 1] = 0
            out[ip + 2] = 0
            out[ip + 3] = 0
            out.storeBigEndian(udpLength, at: ip + 4)
            out[ip + 6] = 17  // next header: UDP
            out[ip + 7] = 64  // hop limit
            let source = from.asIPv6
            let destination = to.asIPv6
            for index in 0..<16 {
                out[ip + 8 + index] = source[index]
                out[ip + 24 + index] = destination[index]
            }
            checksum.add(UnsafeRawBufferPointer(rebasing: out[(ip + 8)..<(ip + 40)]))  // addresses
            checksum.add(word: udpLength)  // upper-layer length (high half is 0)
            checksum.add(word: 17)
            udpStart = ip + 40
        }
        out.storeBigEndian(sourcePort, at: udpStart)
        out.storeBigEndian(destinationPort, at: udpStart + 2)
        out.storeBigEndian(udpLength, at: udpStart + 4)
        out.storeBigEndian(0, at: udpStart + 6)
        checksum.add(UnsafeRawBufferPointer(rebasing: out[udpStart..<(udpStart + 8)]))
        checksum.add(payload)
        var value = checksum.value
        if value == 0 { value = 0xFFFF }  // 0 means "no checksum" in UDP
        out.storeBigEndian(value, at: udpStart + 6)
        return udpStart + 8
    }
}

extension UnsafeMutableRawBufferPointer {
    func storeBigEndian(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(value >> 8)
        self[offset + 1] = UInt8(value & 0xFF)
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }
}
