import CoreMetrics
import Foundation
import Prometheus
import UDPChatImpairment
import UDPChatProxy
import UDPChatRelay
import UDPChatSupport

/// The proxy's counters as Prometheus metrics (swift-metrics over swift-prometheus, one
/// private registry per control server, so several proxies in one process stay apart):
///
/// - `udpchat_proxy_datagrams_total{link,dir,event}` — events received, forwarded, sent,
///   dropped, duplicated, delayed, reordered, corrupted, truncated, expired;
/// - `udpchat_proxy_drops_total{link,dir,reason}` — drops by reason;
/// - `udpchat_proxy_verbs_total{link,dir,verb}` — received datagrams by verb (with `--count-verbs`;
///   `verb="unreadable"` for those the link's dialect cannot read);
/// - `udpchat_proxy_flows{link}` — open flows (gauge);
/// - `udpchat_proxy_added_delay_seconds{link,dir}` — histogram of the delay added to every
///   delivered copy (exact bucket counts kept by the engine).
///
/// Counters are brought up to date at each scrape from the relay's own counters (nothing is
/// added to the datagram path) and never go down: a reset through the API is absorbed.
public final class ProxyMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let state = NSLock()
    private nonisolated(unsafe) var counters: [String: CoreMetrics.Counter] = [:]
    private nonisolated(unsafe) var last: [String: UInt64] = [:]
    private nonisolated(unsafe) var gauges: [String: CoreMetrics.Gauge] = [:]

    public init() {}

    /// The relay's per-direction figures under their metric event names.
    static func events(_ s: DirectionStats) -> [(String, UInt64)] {
        [
            ("received", s.received), ("forwarded", s.delivered), ("sent", s.sent), ("dropped", s.dropped.total + s.flowLimit),
            ("duplicated", s.duplicated), ("delayed", s.delayed), ("reordered", s.reordered), ("corrupted", s.corrupted),
            ("truncated", s.truncated), ("expired", s.expired), ("in_flight", s.inFlight), ("held", s.held),
        ]
    }

    private static func countable(_ s: DirectionStats) -> [(name: String, labels: [(String, String)], value: UInt64)] {
        var out = events(s).filter { $0.0 != "in_flight" && $0.0 != "held" }.map {
            (name: "udpchat_proxy_datagrams_total", labels: [("event", $0.0)], value: $0.1)
        }
        for reason in DropReason.allCases {
            out.append((name: "udpchat_proxy_drops_total", labels: [("reason", reason.rawValue)], value: s.dropped[reason]))
        }
        out.append((name: "udpchat_proxy_drops_total", labels: [("reason", "flow-limit")], value: s.flowLimit))
        for verb in s.verbs.nonZero {
            out.append((name: "udpchat_proxy_verbs_total", labels: [("verb", verb.name)], value: verb.count))
        }
        return out
    }

    /// Brings the counters up to date with these links' figures.
    public func absorb(_ links: [LinkState]) {
        state.withLock {
            let factory = PrometheusMetricsFactory(registry: registry)
            for link in links {
                for direction in Direction.allCases {
                    for item in Self.countable(link.stats[direction]) {
                        let dimensions = [("link", link.name), ("dir", direction.rawValue)] + item.labels
                        let key = item.name + "|" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
                        let counter = counters[key] ?? CoreMetrics.Counter(label: item.name, dimensions: dimensions, factory: factory)
                        counters[key] = counter
                        let previous = last[key] ?? 0
                        // Figures below the last ones mean a reset the API did not see: count afresh.
                        let delta = item.value >= previous ? item.value - previous : item.value
                        if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
                        last[key] = item.value
                    }
                }
                let gauge = gauges[link.name] ?? CoreMetrics.Gauge(label: "udpchat_proxy_flows", dimensions: [("link", link.name)], factory: factory)
                gauges[link.name] = gauge
                gauge.record(link.stats.activeFlows)
            }
        }
    }

    /// After a reset: the link's new (near zero) figures are the base for later deltas.
    public func rebase(_ link: LinkState) {
        state.withLock {
            for direction in Direction.allCases {
                for item in Self.countable(link.stats[direction]) {
                    let dimensions = [("link", link.name), ("dir", direction.rawValue)] + item.labels
                    last[item.name + "|" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")] = item.value
                }
            }
        }
    }

    /// The text exposition for these links.
    public func render(_ links: [LinkState]) -> String {
        absorb(links)
        var text = registry.emitToString()
        text += "# TYPE udpchat_proxy_added_delay_seconds histogram\n"
        for link in links {
            for direction in Direction.allCases {
                let histogram = link.addedDelay[direction] ?? DelayHistogram()
                let labels = "link=" + JSONText.string(link.name) + ",dir=\"\(direction.rawValue)\""
                var cumulative: UInt64 = 0
                for (i, bound) in DelayHistogram.bounds.enumerated() {
                    cumulative += histogram.counts[i]
                    text += "udpchat_proxy_added_delay_seconds_bucket{\(labels),le=\"\(Self.seconds(bound))\"} \(cumulative)\n"
                }
                text += "udpchat_proxy_added_delay_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
                text += "udpchat_proxy_added_delay_seconds_sum{\(labels)} \(Self.seconds(histogram.sum))\n"
                text += "udpchat_proxy_added_delay_seconds_count{\(labels)} \(histogram.count)\n"
            }
        }
        return text
    }

    private static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.nanoseconds) / 1e9
        return value == value.rounded() ? String(format: "%.1f", value) : String(value)
    }
}
