import Testing
import UDPChatScenario

/// The Scenarios/ folder of this package.
let scenariosFolder: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/Scenarios"
}()

@Suite struct CatalogueTests {
    @Test(arguments: try! ScenarioFiles.list(in: scenariosFolder))
    func passesInSimulation(path: String) throws {
        let scenario = try ScenarioFiles.load(path)
        let report = SimRunner.run(scenario)
        #expect(report.skipped == nil)
        let failures = report.failures.map(\.description)
        #expect(failures.isEmpty, Comment(rawValue: "\(path):\n" + failures.joined(separator: "\n")))
    }
}
