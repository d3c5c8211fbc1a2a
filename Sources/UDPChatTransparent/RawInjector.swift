import CNetfilterQueue
import UDPChatCapture
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

// Re-injects datagrams on the loopback with their original source address: a raw IPv4 socket
// (IPPROTO_RAW: the relay writes the IP header itself), its packets marked with SO_MARK so the
// NFQUEUE rule lets them pass instead of queueing them again.

final class RawInjector {
    private var fd: Int32

    init(mark: UInt32) throws(UDPChatError) {
        fd = udpchat_raw_ipv4_socket()
        guard fd >= 0 else { throw .transparentSetup("cannot open a raw socket (needs root or CAP_NET_RAW): \(NetfilterQueue.reason())") }
        var value = mark
        guard setsockopt(fd, SOL_SOCKET, SO_MARK, &value, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
            let why = NetfilterQueue.reason()
            Glibc.close(fd)
            throw .transparentSetup("cannot mark the raw socket's packets (SO_MARK needs CAP_NET_ADMIN): \(why)")
        }
    }

    /// Sends `payload` from `source` to `destination` as one UDP datagram; false when it could not.
    @discardableResult
    func send(source: Endpoint, destination: Endpoint, payload: [UInt8]) -> Bool {
        guard fd >= 0, let packet = try? PacketSynthesis.ipPacket(source: source, destination: destination, payload: payload) else {
            return false
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, destination.host, &address.sin_addr) == 1 else { return false }
        let sent = packet.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return sent == packet.count
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
