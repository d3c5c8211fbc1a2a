import CPcap
import Dispatch
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import UDPChatSupport

/// Live capture through libpcap (`pcap_create`, immediate mode, snaplen 65535, a BPF filter)
/// into a pcap file. `init` opens and activates the interface, so traffic from then on is
/// kept; `run()` blocks its calling thread (run it on a thread of its own, never on an event
/// loop) until `stop()`, the packet count or the duration is reached.
public final class LiveCapture: @unchecked Sendable {
    public struct Options: Sendable {
        public var interface: String
        /// BPF expression (already combined from ports or given whole).
        public var filter: String
        /// Stop after this many packets.
        public var count: Int?
        /// Stop after this many seconds.
        public var duration: Double?
        /// Kernel ring buffer size in bytes (bigger absorbs bursts without drops; 256 MiB holds
        /// about two million small loopback datagrams).
        public var bufferSize: Int32 = 256 << 20

        public init(interface: String, filter: String, count: Int? = nil, duration: Double? = nil, bufferSize: Int32 = 256 << 20) {
            self.bufferSize = bufferSize
            self.interface = interface
            self.filter = filter
            self.count = count
            self.duration = duration
        }
    }

    /// What a finished capture reports.
    public struct Statistics: Hashable, Sendable {
        /// Packets written to the file.
        public var captured: Int
        /// Packets the kernel counted for the filter (`ps_recv`; on loopback Linux counts both
        /// the outgoing and the incoming copy, libpcap keeps one).
        public var received: UInt32
        /// Packets dropped for lack of buffer space (`ps_drop`).
        public var kernelDrops: UInt32
        /// Packets dropped by the interface or driver (`ps_ifdrop`).
        public var interfaceDrops: UInt32
    }

    public let options: Options
    private let handle: OpaquePointer
    private let writer: PcapWriter
    private let stopRequested = NIOLockedValueBox(false)

    /// Opens `options.interface`, applies the filter and opens `outputPath` (written on success).
    public init(options: Options, outputPath: String) throws(UDPChatError) {
        self.options = options
        let handle = try Self.open(options)
        do throws(UDPChatError) {
            writer = try PcapWriter(path: outputPath, handle: handle, ownsHandle: false)
        } catch {
            pcap_close(handle)
            throw error
        }
        self.handle = handle
    }

    /// An activated libpcap handle on `options.interface` (immediate mode, snaplen 65535, the
    /// filter applied; on `lo` only the incoming copy of each datagram is kept). Shared by the
    /// file capture and `WireTap`.
    static func open(_ options: Options) throws(UDPChatError) -> OpaquePointer {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(options.interface, &errorBuffer) else {
            let reason = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw UDPChatError(.captureFailed, "cannot open interface '\(options.interface)': \(reason)")
        }
        pcap_set_snaplen(handle, 65535)
        pcap_set_promisc(handle, 0)
        pcap_set_immediate_mode(handle, 1)
        pcap_set_timeout(handle, 100)
        pcap_set_buffer_size(handle, options.bufferSize)
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw Self.activationError(status: status, interface: options.interface, detail: detail)
        }
        do throws(UDPChatError) {
            try BPF.apply(options.filter, to: handle, netmask: PCAP_NETMASK_UNKNOWN)
        } catch {
            pcap_close(handle)
            throw error
        }
        if options.interface == "lo" { Self.keepOnlyIncomingCopies(handle, filter: options.filter) }
        return handle
    }

    deinit {
        writer.abandon()
        pcap_close(handle)
    }

    static func activationError(status: Int32, interface: String, detail: String) -> UDPChatError {
        switch status {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return UDPChatError(.noSuchInterface, "no such interface '\(interface)' (list them with `ip link` or `tcpdump -D`)")
        case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
            return UDPChatError(
                .permissionDenied,
                "no permission to capture on '\(interface)': run as root, or grant the binary the capability with `sudo setcap cap_net_raw,cap_net_admin+eip $(which udpchat)`")
        case PCAP_ERROR_IFACE_NOT_UP:
            return UDPChatError(.captureFailed, "interface '\(interface)' is not up")
        default:
            let message = detail.isEmpty ? String(cString: pcap_statustostr(status)) : detail
            return UDPChatError(.captureFailed, "cannot capture on '\(interface)': \(message)")
        }
    }

    /// Packets written so far (thread-safe).
    public var packetsCaptured: Int { writer.packetsWritten }

    /// Asks the capture loop to end (thread-safe; also wakes a blocked read).
    public func stop() {
        stopRequested.withLockedValue { $0 = true }
        pcap_breakloop(handle)
    }

    /// Captures until stopped, then closes the file under its final name and returns the
    /// statistics. On failure the partial file is deleted.
    public func run() throws(UDPChatError) -> Statistics {
        let deadline = options.duration.map { Self.monotonicSeconds() + $0 }
        if let duration = options.duration {
            // With TPACKET_V3 a quiet interface blocks the read; breakloop wakes it on time.
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(duration * 1e9))) { [weak self] in
                self?.stop()
            }
        }
        #if os(Linux)
        // Best effort: a capture thread that loses the CPU to the traffic it records drops
        // packets, so ask for a higher priority (root/CAP_SYS_NICE; ignored otherwise).
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -10)  // on Linux: this thread only
        #endif
        guard let dumper = writer.dumperForCaptureLoop else {
            writer.abandon()
            throw UDPChatError(.captureFailed, "capture on '\(options.interface)' already ran")
        }
        var captured = 0
        do throws(UDPChatError) {
            while !stopRequested.withLockedValue({ $0 }) {
                if let limit = options.count, captured >= limit { break }
                if let deadline, Self.monotonicSeconds() >= deadline { break }
                // Whole ring blocks at a time, straight into pcap_dump: no Swift per packet.
                let batch = options.count.map { Int32(clamping: $0 - captured) } ?? -1
                let status = pcap_dispatch(handle, batch, pcap_dump, dumper)
                if status > 0 {
                    captured += Int(status)
                    writer.addCaptured(Int(status))
                } else if status == 0 || status == PCAP_ERROR_BREAK {
                    continue  // timeout or breakloop: re-check the stop conditions
                } else {
                    throw UDPChatError(.captureFailed, "capture on '\(options.interface)' failed: \(String(cString: pcap_geterr(handle)))")
                }
            }
            var stats = pcap_stat()
            _ = pcap_stats(handle, &stats)
            try writer.finish()
            return Statistics(captured: captured, received: stats.ps_recv, kernelDrops: stats.ps_drop, interfaceDrops: stats.ps_ifdrop)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// On loopback Linux hands a packet socket every datagram twice (outgoing and incoming) and
    /// libpcap throws the outgoing copy away in user space, so under load half the ring is
    /// wasted. This replaces the kernel filter with `inbound and (filter)`, which drops the
    /// outgoing copies in the kernel. (Not through `pcap_setfilter`: libpcap 1.10 also runs the
    /// new program in user space over blocks already in the ring, where `inbound` always fails,
    /// losing the first packets. The user-space program stays the plain filter, which keeps the
    /// same packets.) Best effort: on failure the plain filter stays.
    static func keepOnlyIncomingCopies(_ handle: OpaquePointer, filter: String) {
        #if os(Linux)
        var program = bpf_program()
        guard pcap_compile(handle, &program, "inbound and (\(filter))", 1, PCAP_NETMASK_UNKNOWN) == 0 else { return }
        defer { pcap_freecode(&program) }
        var kernelProgram = SocketFilterProgram(length: UInt16(program.bf_len), instructions: UnsafeMutableRawPointer(program.bf_insns))
        let soAttachFilter: Int32 = 26  // SO_ATTACH_FILTER
        _ = setsockopt(pcap_fileno(handle), SOL_SOCKET, soAttachFilter, &kernelProgram, socklen_t(MemoryLayout<SocketFilterProgram>.size))
        #endif
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The BPF filter for the given ports and/or expression: `udp and (port A or port B)`,
    /// combined with `(expression)` when both are given; plain `udp` when neither is.
    public static func filter(ports: [UInt16], expression: String?) -> String {
        var parts: [String] = []
        if !ports.isEmpty || expression == nil {
            let portList = ports.map { "port \($0)" }.joined(separator: " or ")
            parts.append(ports.isEmpty ? "udp" : "udp and (\(portList))")
        }
        if let expression { parts.append(ports.isEmpty ? expression : "(\(expression))") }
        return parts.joined(separator: " and ")
    }
}

/// `struct sock_fprog` of <linux/filter.h>: instruction count and the instructions (libpcap's
/// `struct bpf_insn` has the kernel's `struct sock_filter` layout).
struct SocketFilterProgram {
    var length: UInt16
    var instructions: UnsafeMutableRawPointer?
}
