// The `udpchat` command: its subcommands, git-style (each in its own *Command.swift).
import ArgumentParser
import Foundation
import UDPChatReports

@main
struct UDPChat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udpchat",
        abstract: "A UDP chat protocol test harness: reference chat, impairment proxy, capture, scenarios, grader.",
        discussion: """
            udpchat implements the peer-to-peer UDP chat protocol (docs/PROTOCOL.md) and the tools to \
            push it through a bad network, capture and replay its traffic, and grade other implementations.
            Start with `udpchat demo`.
            """,
        version: RunInfo.version,
        subcommands: [
            ServerCommand.self, ClientCommand.self, ProxyCommand.self, TransparentCommand.self, RecordCommand.self, ReplayCommand.self,
            DecodeCommand.self, ScenarioCommand.self, GradeCommand.self, ReportCommand.self, AutograderCommand.self, BenchCommand.self, DemoCommand.self,
            DialectCommand.self, GradeWorkerCommand.self, ScenarioWorkerCommand.self, SandboxExecCommand.self,
        ]
    )

    /// Runs the chosen subcommand. One exit-status scheme for every subcommand (README, "Exit
    /// status"): a usage mistake exits 2, as any other "could not run", not ArgumentParser's 64.
    static func main() async {
        HelpLayout.prepare()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
