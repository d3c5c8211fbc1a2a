// A live capture that hands each UDP datagram to a closure as it is seen (no file): the grader's
// view of the wire between a whole submission's own parties (docs/GRADER.md "Whole submissions").
import CPcap
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UDPChatSupport

/// Live capture on an interface (the same libpcap handle as `LiveCapture`: immediate mode, a BPF
/// filter, only the incoming copy on `lo`), on a thread of its own, calling `onDatagram` for every
/// UDP datagram from that thread. `start()` returns once the handle is active, so every datagram
/// sent after it is seen; `stop()` ends the thread.
public final class WireTap: @unchecked Sendable {
    public typealias Handler = @Sendable (UDPDatagram) -> Void

    private let handle: OpaquePointer
    private let linkType: Int32
    private let onDatagram: Handler
    private let stopped = NIOLockedValueBox(false)
    private let failed = NIOLockedValueBox<String?>(nil)
    private let finished = DispatchSemaphore(value: 0)
    private var frames = 0

    /// Opens `interface` with `filter` (e.g. `udp`); throws when capture is not permitted there.
    public init(interface: String, filter: String, onDatagram: @escaping Handler) throws(UDPChatError) {
        handle = try LiveCapture.open(LiveCapture.Options(interface: interface, filter: filter, bufferSize: 32 << 20))
        linkType = pcap_datalink(handle)
        self.onDatagram = onDatagram
    }

    deinit { pcap_close(handle) }

    /// Starts the capture thread.
    public func start() {
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = "udpchat-wire-tap"
        thread.start()
    }

    /// Ends the capture (datagrams already in the ring are still delivered) and waits for the thread.
    public func stop() {
        stopped.withLockedValue { $0 = true }
        pcap_breakloop(handle)
        finished.wait()
    }

    private func loop() {
        let context = Unmanaged.passUnretained(self).toOpaque()
        while !stopped.withLockedValue({ $0 }) {
            let status = pcap_dispatch(handle, -1, { user, header, bytes in
                guard let user, let header, let bytes else { return }
                Unmanaged<WireTap>.fromOpaque(user).takeUnretainedValue().deliver(header, bytes)
            }, context.assumingMemoryBound(to: UInt8.self))
            if status < 0, status != PCAP_ERROR_BREAK {
                let reason = pcap_geterr(handle).map { String(cString: $0) } ?? "status \(status)"
                failed.withLockedValue { $0 = "the capture stopped: \(reason)" }
                break
            }
        }
    }

    /// Why the capture stopped before `stop()`, when it did (nil while it runs).
    public var failure: String? { failed.withLockedValue { $0 } }

    private func deliver(_ header: UnsafePointer<pcap_pkthdr>, _ bytes: UnsafePointer<UInt8>) {
        frames += 1
        let timestamp = Double(header.pointee.ts.tv_sec) + Double(header.pointee.ts.tv_usec) / 1e6
        let content = PacketParser.parse(linkType: linkType, frame: frames, timestamp: timestamp,
                                         bytes: UnsafeRawBufferPointer(start: bytes, count: Int(header.pointee.caplen)),
                                         originalLength: Int(header.pointee.len))
        if case .udp(let datagram) = content { onDatagram(datagram) }
    }
}
