import Foundation
import Testing
import UDPChatIUT
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The `udpchat` executable itself: real processes, real loopback sockets, driven through pipes.
@Suite("The udpchat command line", .enabled(if: udpchatBinary != nil, "needs the built udpchat binary (swift build)"))
struct CLITests {
    @Test("demo runs through the proxy: a lost MSG is re-sent, a duplicate discarded, the chat completes once and in order")
    func demoThroughProxy() async throws {
        let run = try await CLIProcess.run(["demo", "--rto", "150ms", "--seed", "7", "--timeout", "30s"])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(lines.first == "demo     | seed 7 (run again with --seed 7 for the same proxy decisions); RTO 150ms")
        #expect(lines.contains("proxy    | dropped MSG 1 from alice(1) (rule: drop dir=up verb=MSG seq=1 nth=1)"))
        #expect(lines.contains("alice(1) | re-sending MSG 1, attempt 2"))
        #expect(lines.contains("proxy    | duplicated MSG 1 from bob(2) (rule: duplicate dir=down verb=MSG seq=1 nth=1)"))
        #expect(lines.contains("alice(1) | duplicate of message 1 from client 2 discarded (acknowledged again)"))
        // Bob advertises the proxy's port, and Alice connects there.
        let proxyPort = lines.first { $0.contains("advertises port") }?.split(separator: " ").last.map(String.init)
        #expect(proxyPort != nil)
        #expect(lines.contains("alice(1) | connecting to client 2 at 127.0.0.1:\(proxyPort ?? "?")…"))
        for text in ["bob(2)   | [1] Hi Bob, it's Alice.", "alice(1) | [2] Hello Alice! Loud and clear.",
                     "bob(2)   | [1] Are you receiving me?", "alice(1) | [2] Bye for now."] {
            #expect(lines.filter { $0 == text }.count == 1, "\(text) shown exactly once")
        }
        #expect(lines.filter { $0.contains("[books balance]") }.count == 2, "both directions' counters printed and balanced")
        #expect(lines.last == "demo     | conversation complete")
    }

    @Test("demo --direct runs without a proxy")
    func demoDirect() async throws {
        let run = try await CLIProcess.run(["demo", "--direct", "--rto", "150ms", "--timeout", "30s"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(!run.stdout.contains("proxy    |"))
        #expect(run.stdout.contains("bob(2)   | [1] Hi Bob, it's Alice."))
        #expect(run.stdout.hasSuffix("demo     | conversation complete\n"))
    }

    @Test("demo exits non-zero naming the failed step when the proxy loses everything")
    func demoFails() async throws {
        let run = try await CLIProcess.run(["demo", "--loss", "up:100%", "--rto", "150ms", "--timeout", "5s"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("error: the demo failed at step 'bob(2) to be asked'"), "stderr: \(run.stderr)")
    }

    @Test("server and two clients chat through stdin pipes; end of input leaves")
    func chatThroughPipes() async throws {
        let server = try await CLIProcess.start(["server", "--port", "0", "--rto", "150ms"])
        defer { server.stop() }
        let listening = try await server.waitForLine(containing: "udpchat server listening on UDP ")
        let address = try #require(listening.split(separator: " ").last.map(String.init))
        let alice = try await CLIProcess.start(["client", "--id", "11", "--server", address, "--rto", "150ms"])
        defer { alice.stop() }
        let bob = try await CLIProcess.start(["client", "--id", "12", "--server", address, "--rto", "150ms"])
        defer { bob.stop() }
        let aliceLine = try await alice.waitForLine(containing: "client 11 on UDP 127.0.0.1:")
        let alicePort = try #require(aliceLine.split(separator: ":").dropFirst().first?.split(separator: " ").first.map(String.init))
        try await alice.waitForLine(containing: "registered as client 11")
        try await bob.waitForLine(containing: "registered as client 12")

        alice.type("/connect 12")
        try await bob.waitForLine(containing: "client 11 wants to connect: /accept or /reject?")
        bob.type("/accept")
        try await alice.waitForLine(containing: "connection established with client 12")
        alice.type("hello from eleven, with spaces")
        try await bob.waitForLine(containing: "[11] hello from eleven, with spaces")
        bob.type("hi eleven")
        try await alice.waitForLine(containing: "[12] hi eleven")
        alice.type("/end")
        try await alice.waitForLine(containing: "connection with client 12 terminated")
        try await bob.waitForLine(containing: "connection terminated by client 11")

        alice.closeInput()
        bob.closeInput()
        #expect(try await alice.waitForExit() == 0)
        #expect(try await bob.waitForExit() == 0)
        #expect(alice.lines.last == "client 11 left the server")
        #expect(bob.lines.last == "client 12 left the server")
        #expect(bob.lines.filter { $0 == "[11] hello from eleven, with spaces" }.count == 1)
        try await server.waitForLine(containing: "(no active clients)")
        #expect(server.lines.contains("  11  127.0.0.1  \(alicePort)"), "the server table shows client 11")
    }

    @Test("client --id 0 is refused with a clear message", arguments: [
        (["client", "--id", "0"], "--id must be from 1 to 2147483647, got 0"),
        (["client", "--id", "1", "--rto", "0"], "--rto must be greater than zero"),
        (["client", "--id", "1", "--refresh-every", "soon"], "--refresh-every"),
        (["server", "--rto", "0"], "--rto must be greater than zero"),
        (["server", "--expire-after", "0"], "--expire-after must be greater than zero"),
        (["demo", "--loss", "lots"], "--loss lots:"),
        (["proxy", "--listen", "127.0.0.1:7999", "--to", "127.0.0.1:9", "--loss", "10"], "--loss 10: '10': not a percentage"),
        (["proxy", "--listen", "127.0.0.1:7999", "--to", "127.0.0.1:9", "--rule", "drop verb=NOPE"], "'NOPE': unknown verb"),
    ])
    func badFlags(arguments: [String], message: String) async throws {
        let run = try await CLIProcess.run(arguments)
        #expect(run.status != 0)
        #expect(run.stderr.contains(message), "stderr: \(run.stderr)")
    }

    @Test("a bad proxy config file is refused naming the file, the line and the value")
    func badProxyConfig() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("udpchat-bad-\(UInt32.random(in: 0...UInt32.max)).yaml").path
        try "links:\n  - listen: 127.0.0.1:7999\n    to: 127.0.0.1:9\n    loss: lots\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await CLIProcess.run(["proxy", "--config", path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("\(path):4: 'lots': not a percentage"), "stderr: \(run.stderr)")
    }

    @Test("netem's options are proxy options, and a bad one names its token")
    func proxyNetemOptions() async throws {
        let bad = try await CLIProcess.run(["proxy", "--listen", "127.0.0.1:9", "--to", "127.0.0.1:9", "--slot", "10ms bytes"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--slot 10ms bytes: 'bytes': 'bytes' needs a value after it"), "stderr: \(bad.stderr)")
        #expect(!bad.stderr.contains("Did you mean"), "stderr: \(bad.stderr)")
        let limit = try await CLIProcess.run(["proxy", "--listen", "127.0.0.1:9", "--to", "127.0.0.1:9", "--limit", "0"])
        #expect(limit.stderr.contains("--limit 0: '0': not a valid limit"), "stderr: \(limit.stderr)")
        let remote = try await CLIProcess.run(["proxy", "--listen", "127.0.0.1:9", "--to", "127.0.0.1:9", "--control", "0.0.0.0:9090"])
        #expect(remote.status != 0)
        #expect(remote.stderr.contains("not a loopback address") && remote.stderr.contains("--control-allow-remote"), "stderr: \(remote.stderr)")
    }

    @Test("grade exits 2 when the grader itself cannot run", arguments: [["grade", "--bogus"], ["grade", "/nonexistent/manifest.yaml"]])
    func gradeCannotRun(arguments: [String]) async throws {
        let run = try await CLIProcess.run(arguments)
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(!run.stderr.isEmpty)
    }

    @Test("a port in use is refused naming the port and the reason", arguments: ["client", "server"])
    func portInUse(role: String) async throws {
        let holder = try await RawSocket.bind()
        defer { Task { try? await holder.channel.close() } }
        let port = String(holder.endpoint.port)
        let arguments = role == "client" ? ["client", "--id", "5", "--port", port] : ["server", "--port", port]
        let run = try await CLIProcess.run(arguments)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot bind UDP 127.0.0.1:\(port): address already in use"), "stderr: \(run.stderr)")
    }

    @Test("every server and client flag explains itself, with defaults and units")
    func help() async throws {
        // Help text wraps at the terminal width: compare with whitespace runs collapsed.
        func flat(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let server = flat(try await CLIProcess.run(["server", "--help"]).stdout)
        for text in ["--host", "(default: 127.0.0.1)", "--port", "(default: 7070)", "--rto <duration>", "(default: 10s)",
                     "--expire-after <duration>", "(default: never)", "--table/--no-table", "--log-level"] {
            #expect(server.contains(text), "server --help mentions \(text)")
        }
        let client = flat(try await CLIProcess.run(["client", "--help"]).stdout)
        for text in ["--id", "1 to 2147483647", "--server <host:port>", "(default: 127.0.0.1:7070)", "--port", "(default: 0)",
                     "--advertise-port <port>", "--rto <duration>", "(default: 10s)", "--refresh-every <duration>", "(default: 25s)", "off (or 0)"] {
            #expect(client.contains(text), "client --help mentions \(text)")
        }
    }

    @Test("proxy and record stop on SIGINT/SIGTERM (service-lifecycle), print their final counts and exit 0")
    func signalsStopProxyAndRecord() async throws {
        let port = PortAllocator.shared.next()
        let proxy = try await CLIProcess.start(["proxy", "--listen", "127.0.0.1:\(port)", "--to", "127.0.0.1:9"])
        defer { proxy.stop() }
        try await proxy.waitForLine(containing: "listening on")
        kill(proxy.process.pid, SIGINT)
        #expect(try await proxy.waitForExit() == 0)
        #expect(proxy.lines.contains("udpchat proxy: stopped by SIGINT; final counters:"), "\(proxy.stdout)")

        let pcap = FileManager.default.temporaryDirectory.appendingPathComponent("udpchat-signal-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: pcap) }
        let ready = pcap + ".ready"
        defer { try? FileManager.default.removeItem(atPath: ready) }
        let record = try await CLIProcess.start(["record", "--interface", "lo", "--out", pcap, "--ready-file", ready])
        defer { record.stop() }
        guard await record.process.waitForLine(containing: "capturing on lo", on: .stderr, timeout: cliPatience) != nil else {
            print("record signal test skipped: udpchat record could not capture on lo here: \(record.stderr)")
            return
        }
        #expect(record.stderr.contains("(ready; Ctrl-C to stop)"))
        #expect(FileManager.default.fileExists(atPath: ready), "--ready-file exists once the capture is live")
        kill(record.process.pid, SIGTERM)
        #expect(try await record.waitForExit() == 0)
        #expect(record.lines.contains { $0.hasPrefix("captured ") && $0.contains(pcap) }, "\(record.stdout)")
    }

    @Test("the server stops on SIGINT even as a background job, whose SIGINT a shell ignores, and on SIGTERM")
    func serverStopsOnSignals() async throws {
        guard let binary = udpchatBinary else { return }
        for signal in [SIGINT, SIGTERM] {
            // `trap '' INT` is what a non-interactive shell does to `udpchat server &`: SIGINT ignored at start.
            let server = try await CLIProcess.start(["-c", "trap '' INT; exec \"$0\" server --port 0", binary.path],
                                                    executable: URL(fileURLWithPath: "/bin/sh"))
            defer { server.stop() }
            try await server.waitForLine(containing: "listening on UDP")
            kill(server.process.pid, signal)
            #expect(try await server.waitForExit() == 0)
            #expect(server.lines.contains("udpchat server: stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"), "\(server.stdout)")
        }
    }

    @Test("bench server and bench proxy stop on SIGTERM and SIGINT: exit 128 + signal, say so, and leave no child behind")
    func benchesStopOnSignals() async throws {
        for (arguments, signal) in [(["bench", "server", "--duration", "60s"], SIGTERM), (["bench", "proxy", "--duration", "60s"], SIGINT)] {
            let bench = try await CLIProcess.start(arguments)
            defer { bench.stop() }
            let child: Int32? = arguments[1] == "server"
                ? Int32(try await bench.waitForLine(containing: "server: pid").split(separator: " ")[2]) : nil
            if child == nil { try await Task.sleep(for: .seconds(2)) }
            kill(bench.process.pid, signal)
            #expect(try await bench.waitForExit() == 128 + signal, "\(bench.stdout)\n\(bench.stderr)")
            #expect(bench.stderr.contains("interrupted by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"), "\(bench.stderr)")
            if let child {
                var alive = true
                for _ in 0..<100 where alive {
                    alive = kill(child, 0) == 0 && !((try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?.contains(") Z ") ?? true)
                    if alive { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(!alive, "the bench's server child \(child) was stopped with it")
            }
        }
    }

    @Test("scenario list outside the repository finds the catalogue of the repository it was built in, or says where it is")
    func scenarioListOutsideTheRepository() async throws {
        guard let binary = udpchatBinary else { return }
        let elsewhere = try await CLIProcess.start(["scenario", "list"], workdir: "/tmp")
        #expect(try await elsewhere.waitForExit() == 0, "\(elsewhere.stderr)")
        #expect(elsewhere.lines.last?.hasSuffix(" scenarios") == true, "\(elsewhere.stdout)")
        #expect(!elsewhere.lines.contains { $0.hasPrefix("    ") && $0.count > 155 }, "descriptions are cut to fit, at a word")
        // A copy of the binary outside any build folder has no repository to fall back on.
        let copy = "/tmp/udpchat-list-\(getpid())"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: binary.path, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let lost = try await CLIProcess.start(["scenario", "list"], executable: URL(fileURLWithPath: copy), workdir: "/tmp")
        #expect(try await lost.waitForExit() == 2)
        #expect(lost.stderr.contains("no scenario catalogue here: it is the Scenarios/ folder of the udpchat repository"), "\(lost.stderr)")
    }

    @Test("scenario run -k, --exitfirst and --last-failed select and stop runs as pytest users expect")
    func scenarioRunSelection() async throws {
        guard udpchatBinary != nil else { return }
        let folder = "/tmp/udpchat-select-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/sc", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let clean = try String(contentsOfFile: root.path + "/Scenarios/clean-chat.yaml", encoding: .utf8)
        try clean.write(toFile: folder + "/sc/a-ok.yaml", atomically: true, encoding: .utf8)
        try clean.replacingOccurrences(of: "verb: MSG, count: 3", with: "verb: MSG, count: 4").replacingOccurrences(of: "name: clean chat", with: "name: broken chat")
            .write(toFile: folder + "/sc/b-broken.yaml", atomically: true, encoding: .utf8)
        try clean.replacingOccurrences(of: "name: clean chat", with: "name: later chat").write(toFile: folder + "/sc/c-later.yaml", atomically: true, encoding: .utf8)

        let first = try await CLIProcess.start(["scenario", "run", "sc", "--jobs", "1", "--exitfirst"], workdir: folder)
        #expect(try await first.waitForExit() == 1)
        #expect(first.lines.contains("stopped after the first failure (--exitfirst): 1 run not run"), "\(first.stdout)")
        let onlyFailed = try await CLIProcess.start(["scenario", "run", "sc", "--last-failed"], workdir: folder)
        #expect(try await onlyFailed.waitForExit() == 1)
        #expect(onlyFailed.lines.last?.hasPrefix("1 run: 0 passed, 1 failed") == true, "\(onlyFailed.stdout)")
        let keyword = try await CLIProcess.start(["scenario", "run", "sc", "-k", "LATER", "-k", "clean"], workdir: folder)
        #expect(try await keyword.waitForExit() == 0)
        #expect(keyword.lines.last?.hasPrefix("2 runs: 2 passed") == true, "\(keyword.stdout)")
        let none = try await CLIProcess.start(["scenario", "run", "sc", "-k", "nothing-matches"], workdir: folder)
        #expect(try await none.waitForExit() == 2)
    }

    @Test("one exit-status scheme: a usage mistake is 2 in every subcommand, and a missing file is named plainly")
    func usageMistakesExitTwo() async throws {
        guard udpchatBinary != nil else { return }
        for arguments in [["proxy", "--bogus"], ["scenario", "run", "--jobs", "0"], ["grade"], ["decode"], ["record", "--count", "0", "--out", "x"]] {
            let run = try await CLIProcess.start(arguments)
            #expect(try await run.waitForExit() == 2, "udpchat \(arguments.joined(separator: " ")): \(run.stderr)")
        }
        let missing = try await CLIProcess.start(["grade", "nope-\(getpid()).yaml"])
        #expect(try await missing.waitForExit() == 2)
        #expect(missing.stderr.contains("grade: nope-\(getpid()).yaml: no such file"), "\(missing.stderr)")
    }
}
