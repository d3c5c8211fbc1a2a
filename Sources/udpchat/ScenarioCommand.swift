// `udpchat scenario`: Run, list and validate impairment scenarios (live or simulated); swarm-test in simulation.
import Foundation
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
/// The catalogue when no path is given: ./Scenarios, else the one of the repository this binary was
/// built in (`<repo>/.build/<triple>/<configuration>/udpchat`); nil when there is neither.
func defaultCatalogue() -> [String]? {
    if FileManager.default.fileExists(atPath: "Scenarios") { return ["Scenarios"] }
    var folder = URL(fileURLWithPath: GradeCommand.ownExecutable()).deletingLastPathComponent()
    for _ in 0..<4 {
        folder = folder.deletingLastPathComponent()
        let catalogue = folder.appendingPathComponent("Scenarios").path
        if FileManager.default.fileExists(atPath: catalogue + "/../Package.swift") { return [catalogue] }
    }
    return nil
}

func loadScenarios(_ paths: [String]) -> [Scenario]? {
    let files: [String]
    do {
        guard let roots = paths.isEmpty ? defaultCatalogue() : paths else {
            printError("no scenario catalogue here: it is the Scenarios/ folder of the udpchat repository. Run from the "
                       + "repository's root, or name scenario files or folders (udpchat scenario list PATH…)")
            return nil
        }
        files = try ScenarioFiles.expand(roots)
    } catch {
        printError("\(error)")
        return nil
    }
    var scenarios: [Scenario] = []
    var ok = true
    for file in files {
        do {
            let scenario = try ScenarioFiles.load(file)
            for line in scenario.unreachableRules + scenario.unseenTraffic + scenario.referenceVerbWarnings { printError("\(file): warning: \(line)") }
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
