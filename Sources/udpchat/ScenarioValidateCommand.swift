// `udpchat scenario validate`: Check scenario files against the schema (Scenarios/scenario.schema.json) and their cross-references.
import ArgumentParser
import UDPChatSupport
import UDPChatScenario

struct ScenarioValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files against the schema (Scenarios/scenario.schema.json) and their cross-references.",
        discussion: """
            Problems are printed as FILE:LINE:COLUMN: error: MESSAGE; the exit status is 1 when any file has one.
            A proxy rule that can never match (a verb or field the scenario's wire format does not have),
            and a check or rule about traffic no proxy of the scenario can see (REGISTER between a client
            and the server with no proxy in front of the server; MSG between two clients neither of which
            has a proxy in front of it), is printed as FILE: warning: MESSAGE, and does not change the
            exit status.
            """
    )

    @Argument(help: "Scenario files or folders (default: Scenarios).")
    var paths: [String] = []

    func run() throws {
        let files: [String]
        do {
            files = try ScenarioFiles.expand(paths.isEmpty ? ["Scenarios"] : paths)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        var bad = 0
        for file in files {
            do {
                let scenario = try ScenarioFiles.load(file)
                print("ok   \(file)  (\(scenario.name): \(counted(scenario.clients.count, "client")), \(counted(scenario.proxies.count, "proxy", "proxies")), \(counted(scenario.expectations.count, "check")))")
                for line in scenario.unreachableRules + scenario.unseenTraffic + scenario.referenceVerbWarnings { print("\(file): warning: \(line)") }
            } catch let issues as ScenarioIssues {
                bad += 1
                print(issues.description)
            } catch {
                bad += 1
                print("\(error)")
            }
        }
        print("\(files.count - bad) valid, \(bad) invalid")
        if bad > 0 { throw ExitCode(1) }
    }
}
