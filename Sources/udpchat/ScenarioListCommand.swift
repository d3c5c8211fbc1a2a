// `udpchat scenario list`: List scenarios: name, file, modes, what it checks.
import ArgumentParser
import UDPChatReports
import UDPChatSupport
import UDPChatScenario

struct ScenarioListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List scenarios: name, file, modes, what it checks.")

    @Argument(help: "Scenario files or folders (default: Scenarios).")
    var paths: [String] = []

    func run() throws {
        guard let scenarios = loadScenarios(paths) else { throw ExitCode(2) }
        let width = min(44, scenarios.map(\.name.count).max() ?? 10)
        for scenario in scenarios {
            let modes = ScenarioMode.allCases.filter { scenario.supportedModes.contains($0) }.map(\.rawValue).joined(separator: ",")
            let file = scenario.path.split(separator: "/").last.map(String.init) ?? scenario.path
            print("\(scenario.name.padded(width))  \(file.padded(40))  \(modes.padded(8))  \(counted(scenario.expectations.count, "check"))")
            if !scenario.description.isEmpty {
                print("    " + HTMLPage.cut(scenario.description.split(separator: "\n").joined(separator: " "), to: 150))
            }
        }
        print(counted(scenarios.count, "scenario"))
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
