import ArgumentParser
import Testing
@testable import udpchat

/// The command line itself, parsed in-process (no binary): every subcommand is reachable, bad
/// values are usage errors with a reason, and the help of each subcommand shows one default
/// per option. (Tests that run the built binary are in UDPChatRuntimeTests' CLITests.)
@Suite("udpchat: the command line")
struct CommandLineParsingTests {
    static let subcommands = ["server", "client", "proxy", "transparent", "record", "replay", "decode", "scenario", "grade", "report", "bench", "demo"]

    @Test(arguments: subcommands)
    func everySubcommandIsReachableWithHelp(name: String) throws {
        let command = try #require(UDPChat.configuration.subcommands.first { $0.configuration.commandName == name })
        #expect(!command.configuration.abstract.isEmpty, "\(name) has no abstract")
        #expect(UDPChat.helpMessage(for: command, columns: 120).contains("USAGE: udpchat \(name)"))
    }

    @Test(arguments: ["server", "client", "proxy", "transparent", "grade", "demo", "replay", "decode", "record"])
    func helpShowsOneDefaultPerOption(name: String) throws {
        let command = try #require(UDPChat.configuration.subcommands.first { $0.configuration.commandName == name })
        let help = UDPChat.helpMessage(for: command, columns: 200)
        for line in help.split(separator: "\n") {
            let defaults = line.components(separatedBy: "(default:").count - 1
            #expect(defaults <= 1, "\(name) --help: \(line)")
        }
    }

    @Test func unknownSubcommandIsAUsageError() {
        #expect(throws: (any Error).self) { try UDPChat.parseAsRoot(["no-such-command"]) }
    }

    @Test func badValuesAreRejectedWithTheirReason() {
        for arguments in [["server", "--port", "70000"], ["client", "--id", "0"], ["client", "--rto", "0"], ["grade", "--jobs", "x"],
                          ["transparent", "--loss", "10%"], ["transparent", "--loss", "lots", "--", "true"]] {
            do {
                _ = try UDPChat.parseAsRoot(arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                #expect(UDPChat.exitCode(for: error) != .success, "\(arguments)")
                #expect(!UDPChat.message(for: error).isEmpty, "\(arguments) gives no reason")
            }
        }
    }
}
