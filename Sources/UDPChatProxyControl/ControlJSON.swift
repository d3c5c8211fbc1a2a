// The control API's JSON bodies: link settings parsed in, link descriptions written out in a fixed key order.
import Foundation
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport

typealias JSONText = UDPChatSupport.JSON

/// The control API's JSON: request bodies in, link descriptions out (fixed key order).
enum ControlJSON {
    /// `{"up": {...}, "down": {...}, "both": {...}}` → settings in a fixed order (both, up,
    /// down; keys in `Setting.keys` order), all parsed before any is applied.
    static func settings(from body: [UInt8]) throws(RouteError) -> [(Setting, [Direction])] {
        let object = try self.object(body)
        if object.isEmpty { throw .badRequest("nothing to change: give up, down or both, e.g. {\"up\": {\"loss\": \"100%\"}}") }
        var out: [(Setting, [Direction])] = []
        for key in object.keys where !["up", "down", "both"].contains(key) {
            throw .badRequest("unknown key '\(key)' (up, down, both)")
        }
        for (side, directions) in [("both", Direction.allCases), ("up", [Direction.up]), ("down", [Direction.down])] {
            guard let value = object[side] else { continue }
            guard let settings = value as? [String: Any] else { throw .badRequest("'\(side)' must be an object such as {\"loss\": \"10%\"}") }
            for key in settings.keys where !Setting.keys.contains(key) {
                throw .badRequest("'\(side)': unknown impairment '\(key)' (one of \(Setting.keys.joined(separator: ", ")))")
            }
            for key in Setting.keys {
                guard let raw = settings[key] else { continue }
                let text: String
                if let string = raw as? String { text = string } else if let number = raw as? NSNumber { text = number.stringValue } else {
                    throw .badRequest("'\(side)'.'\(key)' must be a string such as \"10%\" or \"50ms\"")
                }
                do { out.append((try Setting.parse(key: key, value: text), directions)) } catch {
                    throw .badRequest("'\(side)'.'\(key)': \(error)")
                }
            }
        }
        return out
    }

    /// `{"rule": "drop dir=up verb=MSG seq=1 nth=1"}`.
    static func rule(from body: [UInt8]) throws(RouteError) -> Rule {
        let object = try self.object(body)
        for key in object.keys where key != "rule" { throw .badRequest("unknown key '\(key)' (rule)") }
        guard let text = object["rule"] as? String else { throw .badRequest("give the rule as {\"rule\": \"drop dir=up verb=MSG nth=1\"}") }
        do { return try Rule.parse(text) } catch { throw .badRequest("bad rule: \(error)") }
    }

    private static func object(_ body: [UInt8]) throws(RouteError) -> [String: Any] {
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: Data(body)) } catch {
            throw .badRequest(body.isEmpty ? "the body is empty: send a JSON object" : "the body is not valid JSON")
        }
        guard let object = value as? [String: Any] else { throw .badRequest("the body must be a JSON object") }
        return object
    }

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
