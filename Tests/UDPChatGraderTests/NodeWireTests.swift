// What a grader party remembers to read and write the shapes of real submissions (NodeWire):
// answers matched to the newest request, tags echoed, ids assigned, the alternating bit.
import Testing
@testable import UDPChatGrader
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

struct NodeWireTests {
    static func dialect(_ folder: String) throws -> Dialect {
        try Dialect.load("\(RealFixtureGradingTests.real)/\(folder)/\(folder).dialect.yaml")
    }

    let me = Endpoint(host: "127.0.0.1", port: 5000)
    let server = Endpoint(host: "127.0.0.1", port: 7070)

    @Test("ACK 0 OK after a REGISTER and then a LEAVE reads as the LEAVE's LEFT, with its id")
    func answerOfTheNewestRequest() throws {
        var wire = NodeWire(dialect: try Self.dialect("tagged"), local: me)
        _ = wire.write(.register(id: 11, port: me.port), to: server, localID: 11)
        #expect(wire.read(Array("ACK 0 OK".utf8), from: server, localID: 11) == .registered(id: 11, port: 0))
        #expect(wire.write(.leave(id: 11), to: server, localID: 11) == Array("PKT 0 BYE 11".utf8))
        #expect(wire.read(Array("ACK 0 OK".utf8), from: server, localID: 11) == .left(id: 11))
    }

    @Test("an answer repeats the tag of the request read from its destination")
    func tagEchoed() throws {
        var wire = NodeWire(dialect: try Self.dialect("tagged"), local: server)
        let client = Endpoint(host: "127.0.0.1", port: 6000)
        #expect(wire.read(Array("PKT 1 GET 42".utf8), from: client, localID: nil) == .lookup(id: 42))
        #expect(wire.write(.inactive(id: 42), to: client, localID: nil) == Array("ACK 1 NONE".utf8))
    }

    @Test("ids: server-assigned: the first source to register gets the first id, its id-less answers and LEAVE use it")
    func assignsIDs() throws {
        var wire = NodeWire(dialect: try Self.dialect("assigned"), local: server)
        wire.nextAssigned = 7
        let client = Endpoint(host: "127.0.0.1", port: 6000), other = Endpoint(host: "127.0.0.1", port: 6001)
        #expect(wire.read(Array("Port 6000".utf8), from: client, localID: nil) == .register(id: 7, port: 6000))
        #expect(wire.read(Array("Port 6000".utf8), from: client, localID: nil) == .register(id: 7, port: 6000), "a repeat keeps its id")
        #expect(wire.read(Array("Port 6001".utf8), from: other, localID: nil) == .register(id: 8, port: 6001))
        #expect(wire.write(.registered(id: 7, port: 6000), to: client, localID: nil) == Array("7".utf8))
    }

    @Test("the alternating bit reads next to the number expected from that source: 1, 2, 3, and a re-send as itself")
    func bitNextToExpected() throws {
        var wire = NodeWire(dialect: try Self.dialect("tagged"), local: me)
        wire.remoteID = 7
        let client = Endpoint(host: "127.0.0.1", port: 6000)
        let seqs = ["PKT 0 MSG 7 a", "PKT 1 MSG 7 b", "PKT 1 MSG 7 b", "PKT 0 MSG 7 c"].map {
            wire.read(Array($0.utf8), from: client, localID: 42)?.seq
        }
        #expect(seqs == [1, 2, 2, 3])
    }
}
