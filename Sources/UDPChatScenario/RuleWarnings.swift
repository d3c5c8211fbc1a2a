// A scenario's proxy rules that can never match what its parties send: the warnings `scenario validate` and `run` print.
import UDPChatDialect
import UDPChatImpairment

extension Scenario {
    /// The proxies' rules that can never match a datagram this scenario's parties send, one line
    /// each (`proxy NAME: rule 'TEXT' can never match: WHY`): the warning `udpchat proxy` prints
    /// for its own rules. The wire is its manifests' dialect in a live run, the contract otherwise.
    public var unreachableRules: [String] {
        let manifests = (try? LiveRunner.loadManifests(for: self)) ?? [:]
        let dialect = (try? LiveRunner.dialect(of: manifests)) ?? .default
        var lines: [String] = []
        for proxy in proxies {
            for text in proxy.rules {
                guard let rule = try? Rule.parse(RTOUnits.resolve(text, rto: rto)), let why = rule.neverMatches(in: dialect) else { continue }
                lines.append("proxy \(proxy.name): rule '\(text)' can never match: \(why)")
            }
        }
        return lines
    }
}
