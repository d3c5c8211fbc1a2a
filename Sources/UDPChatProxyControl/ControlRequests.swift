// The control API's request bodies as Decodable types (toxiproxy's api.go decodes into structs the
// same way): each checks its keys, so an unknown key is a 400 naming it, and a body that is not JSON,
// not an object or the wrong shape is a 400 saying what to send.
import Foundation
import UDPChatImpairment
import UDPChatProxy

/// Any key of a JSON object.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

enum ControlRequests {
    /// Decodes `body` as `T`; a `RouteError` thrown while decoding passes through, any other failure
    /// is a 400: an empty body, not JSON, not an object, or else `usage`.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], usage: String) throws(RouteError) -> T {
        guard !body.isEmpty else { throw .badRequest("the body is empty: send a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let error as RouteError {
            throw error
        } catch DecodingError.dataCorrupted {
            throw .badRequest("the body is not valid JSON")
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw .badRequest("the body must be a JSON object: \(usage)")
        } catch {
            throw .badRequest(usage)
        }
    }

    /// The object's keys, a 400 naming the first (in order) that is not `allowed`.
    static func checkKeys(_ object: KeyedDecodingContainer<AnyKey>, allowed: [String]) throws(RouteError) {
        for key in object.allKeys.map(\.stringValue).sorted() where !allowed.contains(key) {
            throw .badRequest("unknown key '\(key)' (\(allowed.joined(separator: ", ")))")
        }
    }
}

/// `PATCH /links/NAME`: `{"up": {"loss": "100%"}, "down": {...}, "both": {...}}`; a value may be a
/// string or a number. The settings come in a fixed order (both, up, down; keys in `Setting.keys`
/// order), all parsed before any is applied.
struct SettingsRequest: Decodable {
    var settings: [(Setting, [Direction])] = []

    init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: AnyKey.self)
        if object.allKeys.isEmpty { throw RouteError.badRequest("nothing to change: give up, down or both, e.g. {\"up\": {\"loss\": \"100%\"}}") }
        try ControlRequests.checkKeys(object, allowed: ["up", "down", "both"])
        for (side, directions) in [("both", Direction.allCases), ("up", [Direction.up]), ("down", [Direction.down])] where object.contains(AnyKey(side)) {
            guard let values = try? object.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(side)) else {
                throw RouteError.badRequest("'\(side)' must be an object such as {\"loss\": \"10%\"}")
            }
            for key in values.allKeys.map(\.stringValue).sorted() where !Setting.keys.contains(key) {
                throw RouteError.badRequest("'\(side)': unknown impairment '\(key)' (one of \(Setting.keys.joined(separator: ", ")))")
            }
            for key in Setting.keys where values.contains(AnyKey(key)) {
                guard let text = Self.text(values, key) else {
                    throw RouteError.badRequest("'\(side)'.'\(key)' must be a string such as \"10%\" or \"50ms\"")
                }
                do { settings.append((try Setting.parse(key: key, value: text), directions)) } catch {
                    throw RouteError.badRequest("'\(side)'.'\(key)': \(error)")
                }
            }
        }
    }

    /// A value as the settings' parser reads it: a string as it is, a number as written (`50`, `0.5`).
    private static func text(_ values: KeyedDecodingContainer<AnyKey>, _ key: String) -> String? {
        if let string = try? values.decode(String.self, forKey: AnyKey(key)) { return string }
        if let whole = try? values.decode(Int.self, forKey: AnyKey(key)) { return String(whole) }
        return (try? values.decode(Double.self, forKey: AnyKey(key))).map { String($0) }
    }
}

/// `POST /links/NAME/rules`: `{"rule": "drop dir=up verb=MSG seq=1 nth=1"}`.
struct RuleRequest: Decodable {
    var rule: Rule

    init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: AnyKey.self)
        try ControlRequests.checkKeys(object, allowed: ["rule"])
        guard let text = try? object.decode(String.self, forKey: AnyKey("rule")) else {
            throw RouteError.badRequest("give the rule as {\"rule\": \"drop dir=up verb=MSG nth=1\"}")
        }
        do { rule = try Rule.parse(text) } catch { throw RouteError.badRequest("bad rule: \(error)") }
    }
}
