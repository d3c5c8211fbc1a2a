import CNetfilterQueue
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

// One netfilter queue through libnetfilter_queue: the kernel hands every packet an NFQUEUE rule sends
// to it (whole, with a copy of its bytes) and waits for a verdict per packet id.

/// A packet waiting in the queue for its verdict.
struct QueuedPacket {
    var id: UInt32
    /// The whole IP packet.
    var bytes: [UInt8]
}

/// Collects what libnetfilter_queue's callback hands over during one `nfq_handle_packet`.
private final class Arrivals {
    var packets: [QueuedPacket] = []
}

/// The queue, used only on the relay's thread.
final class NetfilterQueue {
    private var handle: OpaquePointer?
    private var queue: OpaquePointer?
    private let arrivals = Arrivals()
    private var buffer = [UInt8](repeating: 0, count: 1 << 18)
    /// The netlink socket (poll it for readability).
    let fd: Int32

    init(number: UInt16, maxLength: UInt32) throws(UDPChatError) {
        guard let handle = nfq_open() else {
            throw .transparentSetup("cannot open netfilter's queue (needs root or CAP_NET_ADMIN): \(Self.reason())")
        }
        self.handle = handle
        let context = Unmanaged.passUnretained(arrivals).toOpaque()
        guard let queue = nfq_create_queue(handle, number, { _, _, data, context in
            guard let data, let context else { return 0 }
            let arrivals = Unmanaged<Arrivals>.fromOpaque(context).takeUnretainedValue()
            var payload: UnsafeMutablePointer<UInt8>?
            let length = nfq_get_payload(data, &payload)
            let bytes = length > 0 && payload != nil ? Array(UnsafeBufferPointer(start: payload, count: Int(length))) : []
            arrivals.packets.append(QueuedPacket(id: udpchat_nfq_packet_id(data), bytes: bytes))
            return 0
        }, context) else {
            let (code, why) = (errno, Self.reason())
            nfq_close(handle)
            if code == EBUSY || code == EEXIST || code == EPERM {
                throw .transparentSetup("cannot bind netfilter queue \(number) (another program holds it, or no CAP_NET_ADMIN): \(why)")
            }
            throw .transparentUnsupported("cannot bind netfilter queue \(number) (is nfnetlink_queue in the kernel? modprobe nfnetlink_queue): \(why)")
        }
        self.queue = queue
        fd = nfq_fd(handle)
        guard nfq_set_mode(queue, udpchat_nfqnl_copy_packet(), 0xFFFF) >= 0 else {
            let why = Self.reason()
            close()
            throw .transparentSetup("cannot ask netfilter queue \(number) for whole packets: \(why)")
        }
        _ = nfq_set_queue_maxlen(queue, maxLength)
        // A full queue lets packets through rather than dropping them (the relay is a test harness,
        // not a firewall); so does a relay that is gone (the rule's --queue-bypass).
        _ = nfq_set_queue_flags(queue, udpchat_nfqa_cfg_f_fail_open(), udpchat_nfqa_cfg_f_fail_open())
        _ = nfnl_rcvbufsiz(nfq_nfnlh(handle), 8 << 20)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Every packet waiting on the socket now (never blocks).
    func receive() -> [QueuedPacket] {
        arrivals.packets.removeAll(keepingCapacity: true)
        guard let handle else { return [] }
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                _ = buffer.withUnsafeMutableBytes { bytes in
                    nfq_handle_packet(handle, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(count))
                }
                continue
            }
            // EAGAIN: drained. ENOBUFS: the kernel had to drop notifications (fail-open accepts them).
            if count < 0, errno == EINTR || errno == ENOBUFS { continue }
            break
        }
        return arrivals.packets
    }

    /// Lets packet `id` through (with `replacement` as its new bytes, if given) or drops it.
    func verdict(_ id: UInt32, accept: Bool, replacement: [UInt8]? = nil) {
        guard let queue else { return }
        let verdict = accept ? udpchat_nf_accept() : udpchat_nf_drop()
        if let replacement {
            _ = replacement.withUnsafeBufferPointer { nfq_set_verdict(queue, id, verdict, UInt32($0.count), $0.baseAddress) }
        } else {
            _ = nfq_set_verdict(queue, id, verdict, 0, nil)
        }
    }

    /// Unbinds the queue (packets still in it are dropped by the kernel: drain it first) and closes.
    func close() {
        if let queue { nfq_destroy_queue(queue) }
        if let handle { nfq_close(handle) }
        queue = nil
        handle = nil
    }

    deinit { close() }

    static func reason() -> String { String(cString: strerror(errno)) }
}
