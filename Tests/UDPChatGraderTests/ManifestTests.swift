import Testing
@testable import UDPChatGrader

@Suite struct ManifestTests {
    func parse(_ yaml: String) throws(ManifestError) -> Manifest {
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
        #expect(throws: ManifestError.self) { try parse(yaml) }
        do {
            _ = try parse(yaml)
        } catch {
            #expect(error.field == field, "\(error.description)")
        }
    }

    @Test func timingBands() {
        #expect(Timing.grade(interval: 10.2, rto: 10) == .strict)
        guard case .lenient = Timing.grade(interval: 14, rto: 10) else { Issue.record("14 s should be lenient"); return }
        guard case .failing = Timing.grade(interval: 25, rto: 10) else { Issue.record("25 s should fail"); return }
        guard case .failing = Timing.grade(interval: 2, rto: 10) else { Issue.record("2 s should fail"); return }
    }

    @Test func globs() {
        #expect(globMatch("S-LEAVE*", "S-LEAVE-REPEAT"))
        #expect(globMatch("c-msg-*", "C-MSG-DEDUP"))
        #expect(!globMatch("S-LEAVE", "S-LEAVE-REPEAT"))
        #expect(Grader.select(role: .server, cases: ["S-LEAVE*"], skip: ["*-REPEAT"]).map(\.id) == ["S-LEAVE", "S-LEAVE-NOT-OWNER"])
    }

    @Test func repeatedRunsAggregate() {
        #expect(Grader.aggregate([(.pass, "a"), (.pass, "b")]).0 == .pass)
        #expect(Grader.aggregate([(.pass, "a"), (.lenient, "late")]).0 == .lenient)
        let flaky = Grader.aggregate([(.pass, "ok"), (.fail, "lost"), (.pass, "ok"), (.pass, "ok")])
        #expect(flaky.0 == .flaky)
        #expect(flaky.1.hasPrefix("passed 3 of 4 runs (75%)"))
        #expect(flaky.2 == 1)
        #expect(Verdict.flaky.isFailure && !Verdict.unsupported.isFailure)
    }
}
