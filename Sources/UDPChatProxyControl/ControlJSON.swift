// The control API's answers: link descriptions and rules written out in a fixed key order.
import Foundation
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport

typealias JSONText = UDPChatSupport.JSON

/// The control API's answers as JSON, keys in a fixed order (request bodies: ControlRequests.swift).
enum ControlJSON {
    /// A link's rules in order, numbered from 1 as `DELETE …/rules/N` takes them, with their counters.
    static func rules(_ state: LinkState) -> String {
        "[" + state.rules.enumerated().map { i, rule in
            "{\"n\":\(i + 1),\"rule\":" + JSONText.string(rule.rule) + ",\"matched\":\(rule.matched),\"acted\":\(rule.acted)}"
        }.joined(separator: ",") + "]"
    }

    /// One link: name, addresses, settings per direction, rules with counters, counters.
    static func link(_ state: LinkState) -> String {
        var s = "{\"name\":" + JSONText.string(state.name)
        s += ",\"listen\":" + JSONText.string(state.listen.description) + ",\"target\":" + JSONText.string(state.target.description)
        s += ",\"dialect\":" + JSONText.string(state.dialect)
        for direction in Direction.allCases {
            s += ",\"\(direction.rawValue)\":{"
            s += state[direction].nonDefault.map { JSONText.string($0.key) + ":" + JSONText.string($0.value) }.joined(separator: ",")
            s += "}"
        }
        s += ",\"rules\":" + rules(state)
        s += ",\"counters\":{\"flows\":\(state.stats.activeFlows)"
        for direction in Direction.allCases {
            s += ",\"\(direction.rawValue)\":{"
            s += ProxyMetrics.events(state.stats[direction]).map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
            if state.countsVerbs {
                s += ",\"verbs\":{" + state.stats[direction].verbs.nonZero.map { "\"\($0.name)\":\($0.count)" }.joined(separator: ",") + "}"
            }
            s += "}"
        }
        return s + "}}"
    }
}
