import Foundation
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport

/// The body of `POST /links` (toxiproxy's `POST /proxies`): a new link's name, where it listens,
/// where it sends, and optionally its rules — its start configuration, which `POST
/// /links/NAME/reset` goes back to. `upstream` is accepted for `target`, as toxiproxy names it.
///
/// `{"name": "bob", "listen": "127.0.0.1:9102", "target": "127.0.0.1:9101", "rules": ["drop verb=MSG nth=1"]}`
/// (`"listen": "127.0.0.1:0"`: a free port, shown in the answer).
struct LinkRequest: Decodable, Sendable {
    var name: String
    var listen: String
    var target: String?
    var upstream: String?
    var rules: [String]?

    private enum Key: String, CodingKey { case name, listen, target, upstream, rules }

    init(from decoder: any Decoder) throws {
        try ControlRequests.checkKeys(try decoder.container(keyedBy: AnyKey.self), allowed: ["name", "listen", "target", "upstream", "rules"])
        let fields = try decoder.container(keyedBy: Key.self)
        name = try fields.decode(String.self, forKey: .name)
        listen = try fields.decode(String.self, forKey: .listen)
        target = try fields.decodeIfPresent(String.self, forKey: .target)
        upstream = try fields.decodeIfPresent(String.self, forKey: .upstream)
        rules = try fields.decodeIfPresent([String].self, forKey: .rules)
    }

    /// Reads and checks the body: unknown keys, bad names, addresses and rules are 400s.
    static func configuration(from body: [UInt8]) throws(RouteError) -> LinkConfiguration {
        try ControlRequests.decode(LinkRequest.self, body, usage: "give the link as {\"name\": \"bob\", \"listen\": \"127.0.0.1:9102\", \"target\": \"127.0.0.1:9101\"}")
            .configuration()
    }

    /// `HOST:PORT`, where port 0 lets the system choose (the answer shows the port bound).
    static func listenEndpoint(_ text: String) -> Endpoint? {
        guard text.hasSuffix(":0") else { return Endpoint(parsing: text) }
        return Endpoint(parsing: text.dropLast() + "1").map { Endpoint(host: $0.host, port: 0) }
    }

    func configuration() throws(RouteError) -> LinkConfiguration {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw .badRequest("'name': '\(name)' is not a link name (letters, digits, '-', '_', '.')")
        }
        guard target == nil || upstream == nil else { throw .badRequest("give 'target' or 'upstream', not both") }
        guard let to = target ?? upstream else { throw .badRequest("'target': missing (where the link sends, HOST:PORT)") }
        guard let listenAt = Self.listenEndpoint(listen) else { throw .badRequest("'listen': '\(listen)' is not HOST:PORT") }
        guard let targetAt = Endpoint(parsing: to) else { throw .badRequest("'target': '\(to)' is not HOST:PORT") }
        var impairments = ImpairmentConfig()
        for text in rules ?? [] {
            do { impairments.rules.append(try Rule.parse(text)) } catch { throw .badRequest("bad rule: \(error)") }
        }
        return LinkConfiguration(name: name, listen: listenAt, target: targetAt, impairments: impairments)
    }
}
