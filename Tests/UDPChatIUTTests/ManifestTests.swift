import Testing
import UDPChatIUT
import UDPChatSupport

@Suite struct ManifestTests {
    func parse(_ yaml: String) throws(UDPChatError) -> Manifest {
        try Manifest.parse(yaml: yaml, path: "m.yaml", folder: "/tmp")
    }

    @Test func validClientManifestParses() throws {
        let manifest = try parse("""
            name: alice
            role: client
            command: ["python3", "client.py", "--id", "{id}", "--server", "{server_host}:{server_port}", "--rto", "{rto}"]
            input:
              connect: "/connect {peer}"
              send: "{text}"
            """)
        #expect(manifest.role == .client)
        #expect(manifest.input["connect"] == "/connect {peer}")
        #expect(manifest.uses("rto"))
        #expect(!manifest.uses("port"))
        #expect(manifest.pinnedPort == nil)
        #expect(fillPlaceholders(manifest.input["connect"]!, ["peer": "42"]) == "/connect 42")
    }

    @Test func serverWithoutPortIsPinnedTo7070() throws {
        let manifest = try parse("role: server\ncommand: [\"./server\"]\n")
        #expect(manifest.pinnedPort == 7070)
        #expect(manifest.name == "m")
        #expect(try parse("role: client\ncommand: [\"./c\", \"{id}\"]\n").pinnedPort == 7070)
        #expect(try parse("role: client\ncommand: [\"./c\", \"{server_port}\"]\n").pinnedPort == nil)
    }

    @Test(arguments: [
        ("command: [\"x\"]\n", "role"),
        ("role: peer\ncommand: [\"x\"]\n", "role"),
        ("role: server\n", "command"),
        ("role: server\ncommand: []\n", "command"),
        ("role: server\ncommand: \"x\"\n", "command"),
        ("role: server\ncommand: [\"x\", \"{prot}\"]\n", "command[1]"),
        ("role: server\ncommand: [\"x\"]\ncolour: red\n", "colour"),
        ("role: client\ncommand: [\"x\"]\ninput:\n  dance: \"x\"\n", "input.dance"),
        ("role: client\ncommand: [\"x\"]\ninput:\n  send: \"{txt}\"\n", "input.send"),
        ("role: server\ncommand: [\"x\"]\ninput:\n  send: \"x\"\n", "input"),
        ("role: server\ncommand: [\"x\"]\nworkdir: does-not-exist-here\n", "workdir"),
        ("role: [server\n", "(yaml)"),
    ])
    func badManifestNamesTheField(yaml: String, field: String) {
        #expect(throws: UDPChatError.self) { try parse(yaml) }
        do {
            _ = try parse(yaml)
        } catch {
            #expect(error.code == .invalidManifest)
            #expect(error.reason.hasPrefix("m.yaml: field '\(field)': "), "\(error.description)")
        }
    }
}
