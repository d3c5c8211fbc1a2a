import ArgumentParser

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
        version: "0.1.0",
        subcommands: [
            ServerCommand.self, ClientCommand.self, ProxyCommand.self, RecordCommand.self, ReplayCommand.self,
            DecodeCommand.self, ScenarioCommand.self, GradeCommand.self, BenchCommand.self, DemoCommand.self,
        ]
    )
}
