import Testing
import UDPChatCore
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

@Suite("REGISTER refresh (--refresh-every)")
struct RefreshTests {
    @Test("a client with refreshEvery re-sends REGISTER after it is registered; it refreshes every 25 s by default; nil turns it off")
    func refreshes() async throws {
        let fakeServer = try await RawSocket.bind()
        defer { Task { await fakeServer.close() } }
        let client = try await ChatClientRuntime.start(
            ChatClientOptions(id: 21, server: fakeServer.endpoint, rto: .seconds(30), refreshEvery: .milliseconds(100)))
        #expect(client.config.refreshEvery == .milliseconds(100))
        let (first, from) = try await fakeServer.receive("REGISTER") { $0 == .register(id: 21, port: client.localAddress.port) }
        try await fakeServer.send(Message.registered(id: 21, port: client.localAddress.port).serialized, to: from)
        // RTO is 30 s, so every further REGISTER is a refresh, not a re-send.
        try await eventually("three refreshes") {
            fakeServer.received.filter { (try? Message.parse($0.bytes)) == first }.count >= 3
        }
        await client.abort()

        let plain = try await ChatClientRuntime.start(ChatClientOptions(id: 22, server: fakeServer.endpoint, rto: .seconds(30)))
        #expect(plain.config.refreshEvery == ProtocolDefaults.refreshEvery)
        await plain.abort()
        let off = try await ChatClientRuntime.start(ChatClientOptions(id: 23, server: fakeServer.endpoint, rto: .seconds(30), refreshEvery: nil))
        #expect(off.config.refreshEvery == nil)
        await off.abort()
    }
}
