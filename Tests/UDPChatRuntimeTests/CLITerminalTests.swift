import Foundation
import Testing

/// tmux, when installed: a real terminal for the interactive client, read back with capture-pane.
let tmuxBinary: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// One tmux server of its own (`-L`), so the test never touches the user's sessions.
struct TmuxPane: Sendable {
    let socket = "udpchat-test-\(UInt32.random(in: 0...UInt32.max))"
    let session = "client"

    /// Runs one tmux command and returns its standard output. Spawned directly with an empty
    /// signal mask and default signal actions (a child of the test runner otherwise inherits the
    /// runner's blocked signals, and a tmux server started that way never answers), and with only
    /// standard input, output and error open.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UInt32.random(in: 0...UInt32.max)).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var files = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&files)
        defer { posix_spawn_file_actions_destroy(&files) }
        posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&files, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&files, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else of the test runner's: its sockets are not close-on-exec, and a tmux server
        // lives on, so an inherited socket would stay open after the test that made it closed it.
        // (glibc 2.34's posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc does not export.)
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&files, 3)
        }
        let argv = [tmuxBinary!, "-L", socket] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, tmuxBinary!, &files, &attributes, &cArguments, environ) == 0 else {
            throw TestTimeout(what: "tmux could not be started")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    func start(_ command: String, columns: Int, rows: Int) throws {
        try run(["new-session", "-d", "-s", session, "-x", "\(columns)", "-y", "\(rows)", command])
    }

    func keys(_ keys: String...) throws { try run(["send-keys", "-t", session] + keys) }

    /// The pane's lines without trailing spaces, trailing blank lines dropped.
    func screen() throws -> [String] {
        var lines = try run(["capture-pane", "-p", "-t", session]).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.reversed().drop { $0 == " " }.reversed())
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// Waits until some line of the pane contains `text`.
    func waitFor(_ text: String) async throws {
        try await waitUntil("'\(text)'") { $0.contains { $0.contains(text) } }
    }

    /// Waits until the pane's lines satisfy `condition` (a drawing may arrive in several pieces).
    func waitUntil(_ what: String, _ condition: @escaping @Sendable ([String]) -> Bool) async throws {
        do {
            try await eventually("\(what) on the terminal", timeout: cliPatience) { (try? condition(screen())) ?? false }
        } catch {
            throw TestTimeout(what: "\(what) on the terminal; it shows:\n" + ((try? screen().joined(separator: "\n")) ?? "?"))
        }
    }

    func kill() { _ = try? run(["kill-server"]) }
}

@Suite("The client at a terminal (tmux)", .enabled(if: udpchatBinary != nil && tmuxBinary != nil, "needs the built udpchat binary and tmux"))
struct CLITerminalTests {
    @Test("a message arriving while typing is printed above the input line; own messages show delivery; Ctrl-C leaves")
    func interactiveSession() async throws {
        let server = try await CLIProcess.start(["server", "--port", "0"])
        defer { server.stop() }
        let listening = try await server.waitForLine(containing: "udpchat server listening on UDP ")
        let address = try #require(listening.split(separator: " ").last.map(String.init))
        let peer = try await CLIProcess.start(["client", "--id", "32", "--server", address])
        defer { peer.stop() }
        try await peer.waitForLine(containing: "registered as client 32")

        let pane = TmuxPane()
        defer { pane.kill() }
        try pane.start("\(udpchatBinary!.path) client --id 31 --server \(address); echo EXIT=$?; sleep 60", columns: 80, rows: 20)
        try await pane.waitFor("registered as client 31")
        peer.type("/connect 31")
        try await pane.waitUntil("the asking prompt") { $0.last == "31 (client 32 asks: /accept or /reject)>" }
        try pane.keys("/accept", "Enter")
        try await peer.waitForLine(containing: "connection established with client 31")

        try pane.keys("half a line")
        try await pane.waitFor("31 to 32> half a line")
        peer.type("incoming while you type")
        // The incoming line is printed above, and the typed line is drawn again, intact, below it.
        try await pane.waitUntil("the incoming line above the typed one") {
            $0.suffix(2) == ["[32] incoming while you type", "31 to 32> half a line"]
        }

        try pane.keys(" and the rest", "Enter")
        try await peer.waitForLine(containing: "[31] half a line and the rest")
        try await pane.waitFor("[you] half a line and the rest  ✓ delivered")

        try pane.keys("C-c")
        try await pane.waitFor("EXIT=0")
        let end = try pane.screen()
        #expect(end.contains("^C leaving the server (Ctrl-C again to force quit)"))
        #expect(end.contains("client 31 left the server"))
    }
}
