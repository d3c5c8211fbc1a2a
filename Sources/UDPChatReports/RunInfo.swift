import Foundation

/// What every JSON report says about the run that made it: the tool and its version, when, with
/// which seed, and the command line, so a report found later can be reproduced.
public struct RunInfo: Sendable, Codable, Equatable {
    /// The version `udpchat --version` prints.
    public static let version = "0.1.0"

    public var tool: String
    public var version: String
    /// ISO 8601, UTC, when the run started.
    public var timestamp: String
    /// The run's seed (nil when each item carries its own).
    public var seed: UInt64?
    /// The command line as typed (argv).
    public var command: [String]
    /// How the implementations under test were isolated, when any ran: `sandbox (bubblewrap, limits: cgroup v1)`,
    /// or `none: …` when they ran on the host without one (`--isolation none`).
    public var isolation: String?

    public init(tool: String = "udpchat", version: String = RunInfo.version, timestamp: String, seed: UInt64?, command: [String]) {
        self.tool = tool
        self.version = version
        self.timestamp = timestamp
        self.seed = seed
        self.command = command
    }

    /// This process, now.
    public static func current(seed: UInt64?, started: Date = Date()) -> RunInfo {
        RunInfo(timestamp: timestamp(started), seed: seed, command: CommandLine.arguments)
    }

    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }
}
