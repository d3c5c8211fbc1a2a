import NIOCore
import Testing
import UDPChatRuntime
import UDPChatCore
import UDPChatSupport

@Suite("Endpoint ↔ SocketAddress, instants, errors")
struct AddressingTests {
    @Test("IPv4 and IPv6 socket addresses convert both ways", arguments: ["127.0.0.1", "10.200.3.4", "255.255.255.255", "0.0.0.0", "::1", "fe80::1"])
    func roundTrip(host: String) throws {
        let address = try SocketAddress(ipAddress: host, port: 7070)
        let endpoint = try #require(Endpoint(address))
        #expect(endpoint == Endpoint(host: host, port: 7070))
        #expect(try endpoint.socketAddress() == address)
    }

    @Test("localhost is 127.0.0.1 and an IP literal is left alone")
    func resolution() throws {
        #expect(try Endpoint(host: "localhost", port: 9).resolved() == Endpoint(host: "127.0.0.1", port: 9))
        #expect(try Endpoint(host: "::1", port: 9).resolved() == Endpoint(host: "::1", port: 9))
        #expect(throws: UDPChatError.unresolvable("no-such-host.invalid")) { try Endpoint(host: "no-such-host.invalid", port: 9).resolved() }
    }

    @Test("NIO deadlines and instants agree")
    func instants() {
        let now = Instant.nioNow()
        #expect(now.deadline.uptimeNanoseconds == UInt64(now.nanoseconds))
        #expect((now + .milliseconds(5)).deadline > now.deadline)
    }

    @Test("the server table renders as id/host/port rows")
    func table() {
        // TableRow has no public initializer: build the row through a registry.
        var registry = ServerRegistry()
        _ = registry.receive(Array("REGISTER 1 5000".utf8), from: Endpoint(host: "127.0.0.1", port: 5001), now: .zero)
        let rows = registry.table
        #expect(TableFormat.render(rows) == "active clients: 1\n  id  host       port\n  1   127.0.0.1  5000")
        #expect(TableFormat.render([]) == "active clients: 0\n  (no active clients)")
    }
}
