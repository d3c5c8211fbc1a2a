// Server role under `ids: server-assigned` (docs/GRADER.md "Grading under a dialect"): the grader's
// clients register without an id, take the one the server's REGISTERED gives, and use it from then
// on; a repeated REGISTER from the same address must be given the same id again.
import UDPChatSupport
import UDPChatWire

extension CaseContext {
    /// Registers `node` with a server that assigns ids: the first REGISTER from the node takes the
    /// id the server gives; a later one (a repeat, or with another port) must be given that same id
    /// again ("one source address holds at most one id": a new id for every repeated join is a fault).
    /// `why` follows the quoted answer in a FAIL's detail.
    func registerAssigned(_ node: FakeNode, port: UInt16, why: String = "") async throws -> ClientID {
        let request = Message.register(id: 0, port: port)
        if let held = givenID(node) {
            let reason = why.isEmpty ? "the id its address already holds: a repeated REGISTER is not given a new id" : why
            try await self.request(node, request, expect: .registered(id: held, port: port), why: reason)
            return held
        }
        let sent = trace.now()
        try node.send(request, to: serverAddress)
        let answer = try await expect("REGISTERED with the id the server gives, in answer to \(quote(request, from: node)) from \(node.name)",
                                      at: node, after: sent, within: .seconds(2)) { $0.verb == .registered }
        guard let id = answer.message?.id, id != 0 else {
            throw CaseStop.fail("expected REGISTERED to carry the id the server gives (ids: server-assigned); observed '\(answer.text)'")
        }
        node.localID = id
        setGivenID(id, for: node)
        trace.note("ids: server-assigned: \(node.name) was given id \(id)")
        return id
    }

    /// UNSUPPORTED under `ids: server-assigned` for a case whose point is an id a client chooses.
    func requireChosenIDs(_ what: String) throws {
        if assignsIDs { throw CaseStop.unsupported("dialect \(dialect.name) has ids: server-assigned: \(what)") }
    }
}
