import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT
import UDPChatReports
import UDPChatSupport

/// The request cases of a whole submission (W-RESEND-LOOKUP, W-RESEND-CONNECT, W-RESEND-LEAVE,
/// W-CONNECT-ONCE; WholeRequestCases.swift), through the transparent relay scoped to one flow: the correct
/// Python pair passes, each single-fault fixture fails the case naming its fault. Where the relay cannot
/// run they are UNSUPPORTED, and the test says so and checks nothing more.
@Suite(.serialized) struct WholeRequestGradingTests {
    static let requestCases = ["W-RESEND-LOOKUP", "W-RESEND-CONNECT", "W-RESEND-LEAVE", "W-CONNECT-ONCE"]

    @Test func theCorrectPairPassesTheRequestCases() async throws {
        guard let results = try await WholeImpairedGradingTests.grade(client: "client-correct.yaml", cases: Self.requestCases + ["W-DEDUP"]) else { return }
        #expect(results.map(\.id).sorted() == (Self.requestCases + ["W-DEDUP"]).sorted())
        for result in results {
            #expect(result.verdict.isConforming, "\(result.id) \(result.verdict.rawValue): \(result.detail)")
        }
        // Two copies lost, each of the one flow the case singles out.
        for id in ["W-RESEND-LOOKUP", "W-RESEND-CONNECT", "W-RESEND-LEAVE"] {
            let result = try #require(results.first { $0.id == id })
            let dropped = result.events.filter { $0.kind == .dropped }
            #expect(dropped.count == 2, "\(id): \(dropped.map(\.text))")
            #expect(Set(dropped.map(\.text)).count == 1, "\(id): the same datagram lost twice: \(dropped.map(\.text))")
        }
        let verbs = ["W-RESEND-LOOKUP": "LOOKUP", "W-RESEND-CONNECT": "CONNECT", "W-RESEND-LEAVE": "LEAVE"]
        for (id, verb) in verbs {
            let result = try #require(results.first { $0.id == id })
            #expect(result.events.first { $0.kind == .dropped }?.text.hasPrefix(verb) == true, "\(id) lost \(result.events.first { $0.kind == .dropped }?.text ?? "nothing")")
        }
        // W-DEDUP doubles only what reaches the receiver: no copy of the sender's datagrams to the server or to the receiver's ACKs.
        let dedup = try #require(results.first { $0.id == "W-DEDUP" })
        let copies = dedup.events.filter { $0.tag == "impairment" && $0.text.hasPrefix("relay duplicated") }
        #expect(!copies.isEmpty)
        #expect(copies.allSatisfy { $0.text.contains("→ client-2") }, "\(copies.map(\.text))")
    }

    @Test(arguments: [("client-no-lookup-resend.yaml", "W-RESEND-LOOKUP", "never sent again"),
                      ("client-no-connect-resend.yaml", "W-RESEND-CONNECT", "never sent again"),
                      ("client-no-leave-resend.yaml", "W-RESEND-LEAVE", "never sent again"),
                      ("client-reprompt.yaml", "W-CONNECT-ONCE", "a repeat is not shown again")])
    func aSingleFaultFixtureFailsItsRequestCase(client: String, caseID: String, evidence: String) async throws {
        guard let results = try await WholeImpairedGradingTests.grade(client: client, cases: [caseID]) else { return }
        let result = try #require(results.first)
        #expect(result.verdict == .fail, "\(caseID) on \(client): \(result.detail)")
        #expect(result.detail.contains(evidence), "\(result.detail)")
    }

    @Test func aRequestShownTwiceIsTheSameLineNamingTheCaller() {
        func line(_ text: String, _ ms: Int) -> TraceEvent {
            TraceEvent(time: .milliseconds(ms), kind: .stdout, node: "client-2", text: text)
        }
        let twice = [line("client 21 wants to connect: /accept or /reject?", 10), line("> ", 11),
                     line("client 21 wants to connect: /accept or /reject?", 12)]
        let found = WholeCases.repeatedRequest(twice, callerID: "21")
        #expect(found?.0 == "client 21 wants to connect: /accept or /reject?")
        #expect(found?.1.count == 2)
        // A redrawn prompt is not a request shown again; one showing is fine.
        #expect(WholeCases.repeatedRequest([line("incoming request from 21", 1), line(">", 2), line(">", 3)], callerID: "21") == nil)
        // Without lines naming the caller, a line of 8 characters or more shown twice is.
        #expect(WholeCases.repeatedRequest([line("Someone wants to chat", 1), line("Someone wants to chat", 2)], callerID: "21") != nil)
        #expect(WholeCases.repeatedRequest([line("Yes?", 1), line("Yes?", 2)], callerID: nil) == nil)
    }
}
