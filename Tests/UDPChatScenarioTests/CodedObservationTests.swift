import Foundation
import Testing
@testable import UDPChatScenario
import UDPChatWire

/// What a sandboxed live run's worker sends back: an observation survives JSON with the same checks.
@Suite struct CodedObservationTests {
    @Test(arguments: ["lost-msg.yaml", "lost-left.yaml", "duplicated-msgs.yaml", "reordered-msgs.yaml", "busy-peer-rejects.yaml"])
    func anObservationSurvivesJSON(file: String) throws {
        let scenario = try ScenarioFiles.load(scenariosFolder + "/" + file)
        let report = SimRunner.run(scenario)
        let observation = try #require(report.observation)
        let data = try JSONEncoder().encode(LiveWorkerResult(observation: CodedObservation(observation)))
        let decoded = try JSONDecoder().decode(LiveWorkerResult.self, from: data)
        let back = try #require(decoded.observation?.observation)
        #expect(back.trace == observation.trace)
        #expect(back.displays == observation.displays)
        #expect(back.stuck == observation.stuck && back.ids == observation.ids && back.rto == observation.rto && back.endTime == observation.endTime)
        #expect(back.closes.mapValues(\.exit) == observation.closes.mapValues(\.exit))
        #expect(ScenarioChecker.check(scenario, back).map(\.passed) == report.checks.map(\.passed))
    }

    @Test func aLiveTraceMsgWithoutItsTextComesBack() {
        #expect(CodedObservation.message("MSG 7 1 3 ") == .msg(conn: 7, id: 1, seq: 3, text: ""))
        #expect(CodedObservation.message("ACK 7 1 3") == .ack(conn: 7, id: 1, seq: 3))
    }
}
