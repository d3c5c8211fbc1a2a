import ArgumentParser

struct ScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Run, list and validate impairment scenarios (live or simulated); swarm-test in simulation.",
        discussion: "Scenario files are YAML (docs/SCENARIOS.md); the catalogue lives in Scenarios/.",
        subcommands: [ScenarioRunCommand.self, ScenarioListCommand.self, ScenarioValidateCommand.self, ScenarioSwarmCommand.self]
    )
}

/// Loads every scenario file under the given paths, printing file:line problems to stderr.
/// Returns nil when any file is unreadable or invalid.
func loadScenarios(_ paths: [String]) -> [Scenario]? {
    let files: [String]
    do {
        files = try ScenarioFiles.expand(paths.isEmpty ? ["Scenarios"] : paths)
    } catch {
        printError("\(error)")
        return nil
    }
    var scenarios: [Scenario] = []
    var ok = true
    for file in files {
        do {
            let scenario = try ScenarioFiles.load(file)
            for line in scenario.unreachableRules + scenario.referenceVerbWarnings { printError("\(file): warning: \(line)") }
            scenarios.append(scenario)
        } catch let issues as ScenarioIssues {
            printError(issues.description)
            ok = false
        } catch {
            printError("\(error)")
            ok = false
        }
    }
    if files.isEmpty {
        printError("no scenario files (*.yaml) found in \(paths.joined(separator: " "))")
        return nil
    }
    return ok ? scenarios : nil
}

import UDPChatScenario
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to standard error.
func printError(_ text: String) {
    let bytes = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
