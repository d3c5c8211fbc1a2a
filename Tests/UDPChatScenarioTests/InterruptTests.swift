import Testing
import UDPChatScenario

/// A stopped batch (the commands' SIGINT/SIGTERM) starts nothing new and reports every unfinished run as interrupted.
@Suite struct InterruptTests {
    @Test func aStoppedBatchMarksTheUnfinishedRunsInterrupted() async throws {
        let scenario = try ScenarioFiles.load(scenariosFolder + "/clean-chat.yaml")
        let items = (1...6).map { (scenario, UInt64($0)) }
        let stop = StopSignal()
        let box = Finished()
        let reports = await SimRunner.runAll(items, jobs: 1, stop: stop) { report, done in
            box.count = done
            if done == 2 { stop.stop() }
        }
        #expect(reports.count == 6, "every requested run is in the result")
        #expect(reports.map(\.seed) == [1, 2, 3, 4, 5, 6])
        #expect(reports.prefix(2).allSatisfy { $0.passed && !$0.interrupted })
        #expect(reports.dropFirst(2).allSatisfy { $0.interrupted && $0.status == "INTERRUPTED" && $0.skipped != nil })
        #expect(box.count == 2, "nothing finished after the stop")
    }

    @Test func aStoppedSwarmChecksNoMoreSeeds() async {
        let stop = StopSignal()
        stop.stop()
        let (failures, _, checked) = await Swarm.run(start: 1, seeds: 10_000, jobs: 2, stop: stop)
        #expect(failures.isEmpty)
        #expect(checked == 0)
    }
}

final class Finished: @unchecked Sendable {
    var count = 0
}
