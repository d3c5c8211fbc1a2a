import NIOConcurrencyHelpers
import UDPChatSupport

/// The two pcap files of a proxy tap: what the proxy received (before impairment) and what it
/// sent (after impairment, so lost datagrams are missing there and duplicates appear twice).
///
/// Naming rule: `FILE.pcap` → `FILE.received.pcap` and `FILE.sent.pcap`; a name without the
/// `.pcap` extension gets `.received.pcap` / `.sent.pcap` appended. Thread-safe; a datagram
/// that cannot be written (an address that is not an IP literal) is counted, never thrown,
/// so the proxy's event loops are never disturbed.
public final class TapFiles: Sendable {
    public let received: PcapWriter
    public let sent: PcapWriter
    private let failures = NIOLockedValueBox(0)

    /// The two paths for a `--pcap FILE` argument.
    public static func paths(for file: String) -> (received: String, sent: String) {
        let stem = file.hasSuffix(".pcap") ? String(file.dropLast(5)) : file
        return (stem + ".received.pcap", stem + ".sent.pcap")
    }

    public init(file: String) throws(UDPChatError) {
        let paths = Self.paths(for: file)
        received = try PcapWriter(path: paths.received)
        do {
            sent = try PcapWriter(path: paths.sent)
        } catch {
            received.abandon()
            throw error
        }
    }

    /// Records one datagram on the received (`sent == false`) or sent side.
    ///
    /// A socket bound to the wildcard address reports its host as `0.0.0.0` (or `::`); when
    /// the other end is a loopback address the kernel sends from that same address, so the
    /// wildcard is written as it (what a capture on `lo` would show).
    public func record(sent isSent: Bool, timestamp: Double, source: Endpoint, destination: Endpoint, payload: [UInt8]) {
        var source = source
        var destination = destination
        Self.resolveWildcard(&source, peer: destination)
        Self.resolveWildcard(&destination, peer: source)
        do {
            try (isSent ? sent : received).write(timestamp: timestamp, source: source, destination: destination, payload: payload)
        } catch {
            failures.withLockedValue { $0 += 1 }
        }
    }

    static func resolveWildcard(_ endpoint: inout Endpoint, peer: Endpoint) {
        guard endpoint.host == "0.0.0.0" || endpoint.host == "::" else { return }
        if peer.host.hasPrefix("127.") || peer.host == "::1" { endpoint.host = peer.host }
    }

    /// Datagrams that could not be written.
    public var failed: Int { failures.withLockedValue { $0 } }

    /// Closes both files under their final names; returns the packet counts.
    public func finish() throws(UDPChatError) -> (received: Int, sent: Int) {
        let receivedCount: Int
        do {
            receivedCount = try received.finish()
        } catch {
            sent.abandon()
            throw error
        }
        return (receivedCount, try sent.finish())
    }

    /// Deletes both unfinished files.
    public func abandon() {
        received.abandon()
        sent.abandon()
    }
}
