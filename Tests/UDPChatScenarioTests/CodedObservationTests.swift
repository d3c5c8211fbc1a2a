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

    @Test func aLiveTraceMsgWithoutItsTextComesBack() throws {
        let coded = { (message: Message) throws -> Message? in
            try JSONDecoder().decode(Message.self, from: JSONEncoder().encode(message))
        }
        #expect(try coded(.msg(conn: 7, id: 1, seq: 3, text: "")) == .msg(conn: 7, id: 1, seq: 3, text: ""))
        #expect(try coded(.ack(conn: 7, id: 1, seq: 3)) == .ack(conn: 7, id: 1, seq: 3))
    }

    /// A dialect's reader fills what its format leaves out with 0 (the colon dialect's REGISTERED has
    /// no port): not the contract's valid text, but the same fields come back.
    @Test func aDialectsMessageComesBackByItsFields() throws {
        for message: Message in [.registered(id: 2, port: 0), .peer(id: 2, host: "127.0.0.1", port: 0), .error(code: .notOwner, id: 9),
                                 .msg(conn: 5, id: 1, seq: 2, text: "hi there")] {
            let back = try JSONDecoder().decode(Message.self, from: JSONEncoder().encode(message))
            #expect(back == message)
        }
    }
}
