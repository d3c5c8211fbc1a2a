// What a manifest's command placeholders are filled with for one launch: typed values, each rendered
// one way for the grader's cases, live scenarios and the interop pair alike (`{rto}` is `10`, never
// `10.0`; docs/GRADER.md "The manifest").
import Foundation
import UDPChatSupport
import UDPChatWire

public struct LaunchValues: Sendable, Equatable {
    /// `{port}`: the port the program binds.
    public var port: UInt16?
    /// `{rto}`: seconds as a decimal (`10`, `0.5`).
    public var rto: Duration?
    /// `{id}`: a client's identifier.
    public var id: ClientID?
    /// `{server_host}` and `{server_port}`: where a client finds its server.
    public var server: Endpoint?
    /// `{advertise_port}`: the port a client registers (its own, or a relay's in front of it).
    public var advertisePort: UInt16?
    /// `{dialect}`: the path of a dialect file (`default` for the contract's format).
    public var dialect: String?

    /// A server's: the port it binds and the RTO.
    public static func server(port: UInt16, rto: Duration, dialect: String? = nil) -> Self {
        Self(port: port, rto: rto, dialect: dialect)
    }

    /// A client's: its id, its server, the port it binds and the one it registers (the same unless given).
    public static func client(id: ClientID, server: Endpoint, port: UInt16, advertise: UInt16? = nil, rto: Duration) -> Self {
        Self(port: port, rto: rto, id: id, server: server, advertisePort: advertise ?? port)
    }

    /// Each placeholder's text, by name (only those with a value).
    public var rendered: [String: String] {
        var values: [String: String] = [:]
        values["port"] = port.map(String.init)
        values["rto"] = rto.map(Self.render(rto:))
        values["id"] = id.map(String.init)
        values["server_host"] = server?.host
        values["server_port"] = server.map { String($0.port) }
        values["advertise_port"] = advertisePort.map(String.init)
        values["dialect"] = dialect
        return values
    }

    /// The manifest's command and environment with these values in place.
    public func fill(_ manifest: Manifest) -> (command: [String], env: [String: String]) {
        let values = rendered
        return (manifest.command.map { fillPlaceholders($0, values) }, manifest.env.mapValues { fillPlaceholders($0, values) })
    }

    /// The one rendering of `{rto}` (PROTOCOL.md: seconds as a decimal, `10`, `0.5`): an implementation
    /// that parses an integer sees `10`, never `10.0`.
    public static func render(rto: Duration) -> String {
        let value = Double(rto.components.seconds) + Double(rto.components.attoseconds) / 1e18
        return value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }
}
