import Foundation
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

    @Test("rto: is the RTO fixed in a program's code; beside {rto} (the grader's to choose) or unreadable, it is refused")
    func fixedRTOParses() throws {
        let fixed = try parse("role: client\ncommand: [\"./UdpChat\", \"-c\", \"{id}\"]\nrto: 500ms\n")
        #expect(fixed.fixedRTO == .milliseconds(500))
        #expect(try parse("role: client\ncommand: [\"./c\"]\n").fixedRTO == nil)
        for (yaml, reason) in [("role: client\ncommand: [\"./c\", \"{rto}\"]\nrto: 1s\n", "the command takes {rto}"),
                               ("role: client\ncommand: [\"./c\"]\nrto: soon\n", "is not a duration"),
                               ("role: client\ncommand: [\"./c\"]\nrto: 0s\n", "is not a duration")] {
            do {
                _ = try parse(yaml)
                Issue.record("rto: should be refused in \(yaml)")
            } catch {
                #expect(error.reason.hasPrefix("m.yaml: field 'rto': ") && error.reason.contains(reason), "\(error.description)")
            }
        }
    }

    @Test("{rto} has one rendering everywhere: whole seconds without a decimal point, as PROTOCOL.md promises")
    func rtoRendersAsTheContractSays() {
        #expect(LaunchValues.render(rto: .seconds(10)) == "10")
        #expect(LaunchValues.render(rto: .milliseconds(500)) == "0.5")
        #expect(LaunchValues.render(rto: .milliseconds(300)) == "0.3")
        #expect(LaunchValues.render(rto: .milliseconds(1250)) == "1.25")
    }

    @Test("every launch fills a manifest's placeholders from typed values: the same text in the grader, scenarios and interop")
    func launchValuesFillCommandAndEnvironment() throws {
        let client = try Manifest.parse(yaml: """
            role: client
            command: [prog, "--id={id}", "{server_host}:{server_port}", "--port", "{port}", "--adv", "{advertise_port}", "--rto", "{rto}"]
            env: {RTO: "{rto}"}
            """, path: "c.yaml", folder: "/")
        let values = LaunchValues.client(id: 21, server: Endpoint(host: "127.0.0.1", port: 7070), port: 30001, rto: .seconds(10))
        let (command, env) = values.fill(client)
        #expect(command == ["prog", "--id=21", "127.0.0.1:7070", "--port", "30001", "--adv", "30001", "--rto", "10"])
        #expect(env == ["RTO": "10"])
        let relayed = LaunchValues.client(id: 21, server: Endpoint(host: "127.0.0.1", port: 7070), port: 30001, advertise: 40000, rto: .milliseconds(500))
        #expect(relayed.fill(client).command.suffix(4) == ["--adv", "40000", "--rto", "0.5"])
        let server = try Manifest.parse(yaml: "role: server\ncommand: [prog, \"{port}\", \"{rto}\"]\n", path: "s.yaml", folder: "/")
        #expect(LaunchValues.server(port: 7070, rto: .seconds(1)).fill(server).command == ["prog", "7070", "1"])
        #expect(LaunchValues.server(port: 7070, rto: .seconds(1), dialect: "/tmp/d.yaml").rendered["dialect"] == "/tmp/d.yaml")
    }

    @Test("a policy file sets the ceiling and what implementations see; a bad one names its field")
    func policyFileLoads() throws {
        let path = NSTemporaryDirectory() + "policy-\(UInt32.random(in: 0...UInt32.max)).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "limits: {memory: 256MiB, cpu-share: 0.5}\nsystem-paths: [/usr, /etc]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let policy = try SandboxPolicy.load(path: path)
        #expect(policy.limits.memoryBytes == 256 << 20 && policy.limits.cpuShare == 0.5 && policy.systemPaths == ["/usr", "/etc"])
        try "limits: {memory: 256MiB}\nnetwork: host\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: UDPChatError.self) { try SandboxPolicy.load(path: path) }
        #expect(error?.reason == "\(path): field 'network': unknown field (known: limits, system-paths)")
    }

    @Test("the instructor's policy caps a manifest's limits; a manifest may ask for less, never more")
    func policyCapsLimits() throws {
        let greedy = try parse("role: server\ncommand: [\"x\"]\nlimits: {memory: 64GiB, processes: 100000, cpu: 2s}\n")
        var policy = SandboxPolicy()
        policy.limits.memoryBytes = 256 << 20
        let limits = policy.limits(for: greedy)
        #expect(limits.memoryBytes == 256 << 20, "64 GiB asked, the policy's 256 MiB given")
        #expect(limits.processes == Limits.defaults.processes)
        #expect(limits.cpuSeconds == 2, "less than the policy is granted")
        let quiet = try parse("role: server\ncommand: [\"x\"]\n")
        #expect(policy.limits(for: quiet).memoryBytes == 256 << 20, "a manifest that asks nothing gets the policy's limits")
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

    @Test func limitsAndWritablePathsParse() throws {
        let manifest = try parse("""
            role: server
            command: ["x"]
            limits:
              cpu: 5s
              memory: 64MiB
              processes: 8
              file-size: 1GiB
              wall: 2m
            writable: [out, /tmp/results]
            """)
        #expect(manifest.limits == Limits(cpuSeconds: 5, memoryBytes: 64 << 20, processes: 8, fileSizeBytes: 1 << 30, wall: .seconds(120)))
        #expect(manifest.writable == ["/tmp/out", "/tmp/results"])
        #expect(try parse("role: server\ncommand: [\"x\"]\n").limits == .defaults)
        #expect(Limits.defaults.memoryBytes == 512 << 20)
        #expect(Limits.Hit.memory(512 << 20).description == "killed: memory limit 512 MiB")
        #expect(Limits.Hit.cpu(60).description == "killed: CPU limit 60 s")
        #expect(Limits.parseBytes("100MB") == 100_000_000 && Limits.parseBytes("lots") == nil)
    }

    @Test(arguments: [
        ("role: server\ncommand: [\"x\"]\nlimits:\n  memory: lots\n", "limits.memory"),
        ("role: server\ncommand: [\"x\"]\nlimits:\n  processes: 0\n", "limits.processes"),
        ("role: server\ncommand: [\"x\"]\nlimits:\n  cpu: soon\n", "limits.cpu"),
        ("role: server\ncommand: [\"x\"]\nlimits:\n  swap: 1GiB\n", "limits.swap"),
        ("role: server\ncommand: [\"x\"]\nlimits: 5\n", "limits"),
        ("role: server\ncommand: [\"x\"]\nwritable: out\n", "writable"),
        ("role: server\ncommand: [\"x\"]\nwritable: [/home/instructor/answers]\n", "writable[0]"),
        ("role: server\ncommand: [\"x\"]\nwritable: [../outside]\n", "writable[0]"),
        ("role: server\ncommand: [\"x\"]\nlimits:\n  cpu-share: 0\n", "limits.cpu-share"),
    ])
    func badLimitsNameTheField(yaml: String, field: String) {
        do {
            _ = try parse(yaml)
            Issue.record("\(field) should be refused")
        } catch {
            #expect(error.reason.hasPrefix("m.yaml: field '\(field)': "), "\(error.description)")
        }
    }
}
