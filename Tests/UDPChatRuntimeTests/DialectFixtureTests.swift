import Foundation
import Testing
import UDPChatDialect
import UDPChatRuntime
import UDPChatSupport

/// The Python fixture implementations of Fixtures/dialects/iut chat with the reference client
/// speaking their dialect (what a student does with `udpchat client --dialect`).
@Suite struct DialectFixtureTests {
    static let folder: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Fixtures/dialects/iut"
    }()
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func python(_ arguments: [String]) async throws -> CLIProcess? {
        guard let python = Self.python else {
            print("skipping dialect fixture test: no python3")
            return nil
        }
        return try await CLIProcess.start(arguments, executable: URL(fileURLWithPath: python), workdir: Self.folder)
    }

    @Test(arguments: ["colon", "json"])
    func referenceClientChatsWithThePythonImplementation(wire: String) async throws {
        guard let server = try await python(["server.py", "--wire", wire, "--port", "0"]) else { return }
        defer { server.stop() }
        let line = try await server.waitForLine(containing: "listening on udp")
        let port = try #require(UInt16(line.split(separator: " ").last ?? ""))
        let serverEndpoint = Endpoint(host: "127.0.0.1", port: port)
        let dialect = try Dialect.load(Self.folder + "/../\(wire).dialect.yaml")

        var peerArguments = ["client.py", "--wire", wire, "--server", "127.0.0.1:\(port)", "--rto", "0.3"]
        if wire == "json" { peerArguments += ["--id", "2"] }
        let peer = try #require(try await python(peerArguments))
        defer { peer.stop() }
        if wire == "colon" { peer.type("2") }  // it asks for its id on standard input (input.start)
        try await peer.waitForLine(containing: "registered as client 2")

        let a = try await DialectRuntimeTests.client(1, serverEndpoint, dialect)
        try await a.registered()
        a.submit("/connect 2")
        try await peer.waitForLine(containing: "client 1 wants to connect")
        peer.type("/accept")
        try await a.wait("connected") { $0 == .connected(to: 2) }
        a.submit("hello python: are you there?")
        try await peer.waitForLine(containing: "[1] hello python: are you there?")
        peer.type("hi swift")  // the colon client sends this from its second socket
        try await a.wait("delivered") { if case .delivered(2, 1, "hi swift") = $0 { true } else { false } }
        peer.type("/end")
        try await peer.waitForLine(containing: "connection with client 1 terminated")
        peer.type("/quit")
        try await peer.waitForLine(containing: "client 2 left the server")
        a.submit("/quit")
        _ = try await withTimeout("client exits") { try await a.runtime.exit() }
    }
}
