import Foundation
import Testing

/// `udpchat client --give-up N` (PROTOCOL.md GIVE-2) as a user runs it: a server that never answers.
@Suite("udpchat client --give-up", .enabled(if: udpchatBinary != nil, "needs the built udpchat binary (swift build)"))
struct ClientGiveUpCLITests {
    @Test("with --give-up 2 and a silent server the client says it gave up, naming the server, and exits 1")
    func givesUpOnASilentServer() async throws {
        let silent = try await RawSocket.bind()  // bound, never answers
        defer { Task { try? await silent.channel.close() } }
        let client = try await CLIProcess.start(["client", "--id", "7", "--server", silent.endpoint.description, "--rto", "200ms",
                                                 "--give-up", "2"])
        defer { client.stop() }
        let line = try await client.waitForLine(containing: "gave up")
        #expect(line == "gave up: the server at \(silent.endpoint) did not answer (REGISTER sent 3 times, give-up limit 2 re-sends); "
                + "closing without the server")
        #expect(try await client.waitForExit() == 1)
        #expect(client.lines.filter { $0.hasPrefix("re-sending REGISTER") }.count == 2)
    }

    @Test("a negative --give-up is a usage error (exit 2)")
    func negativeIsAUsageError() async throws {
        let run = try await CLIProcess.run(["client", "--id", "7", "--give-up=-1"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--give-up must be 0 or more"), "stderr: \(run.stderr)")
    }
}
