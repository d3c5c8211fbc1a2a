import Foundation
import Testing

/// Ctrl-C (SIGINT) to a client whose input is a pipe: the same quit rules as at a terminal.
@Suite("The client and Ctrl-C", .enabled(if: udpchatBinary != nil, "needs the built udpchat binary (swift build)"))
struct CLIClientSignalTests {
    @Test("Ctrl-C leaves the server gracefully: LEAVE until LEFT, the table empties, exit 0, plain text")
    func interruptLeaves() async throws {
        let server = try await CLIProcess.start(["server", "--port", "0", "--rto", "150ms"])
        defer { server.stop() }
        let listening = try await server.waitForLine(containing: "udpchat server listening on UDP ")
        let address = try #require(listening.split(separator: " ").last.map(String.init))
        let client = try await CLIProcess.start(["client", "--id", "21", "--server", address, "--rto", "150ms"])
        defer { client.stop() }
        try await client.waitForLine(containing: "registered as client 21")
        try await server.waitForLine(containing: "  21  127.0.0.1  ")

        client.interrupt()
        #expect(try await client.waitForExit() == 0)
        #expect(client.lines.last == "client 21 left the server")
        #expect(!client.stdout.contains("\u{1B}"), "no escape codes through a pipe")
        try await server.waitForLine(containing: "(no active clients)")
    }

    @Test("a second Ctrl-C forces the exit while the server does not answer LEAVE")
    func secondInterruptForces() async throws {
        let server = try await CLIProcess.start(["server", "--port", "0", "--rto", "150ms"])
        let listening = try await server.waitForLine(containing: "udpchat server listening on UDP ")
        let address = try #require(listening.split(separator: " ").last.map(String.init))
        let client = try await CLIProcess.start(["client", "--id", "22", "--server", address, "--rto", "150ms"])
        defer { client.stop() }
        try await client.waitForLine(containing: "registered as client 22")
        server.stop()
        _ = try await server.waitForExit()

        client.interrupt()
        try await client.waitForLine(containing: "re-sending LEAVE, attempt 2")
        client.interrupt()
        #expect(try await client.waitForExit() == 2)
        #expect(client.lines.last == "forced quit before the server acknowledged LEAVE")
        // The end of input that follows (the pipe closes) does not count as one more /quit.
        #expect(client.lines.filter { $0.hasPrefix("forced quit") }.count == 1)
    }

    @Test("after three unanswered re-sends the client says the server is not answering, once")
    func notAnswering() async throws {
        let silent = try await RawSocket.bind()
        defer { Task { try? await silent.channel.close() } }
        let client = try await CLIProcess.start(["client", "--id", "23", "--server", "\(silent.endpoint)", "--rto", "100ms"])
        defer { client.stop() }
        try await client.waitForLine(containing: "re-sending REGISTER, attempt 5")
        let notes = client.lines.filter { $0.contains("not answering") }
        #expect(notes == ["the server at \(silent.endpoint) is not answering (REGISTER sent 4 times); still trying "
                          + "(/quit, then /quit again, leaves without its answer)"])
        let index = try #require(client.lines.firstIndex(of: notes[0]))
        #expect(client.lines[index - 1] == "re-sending REGISTER, attempt 4")
    }
}
