// The contract's format is a dialect like any other: the built-in `default` (the hand-written
// codec) and a template dialect (colon-chat) answer the same questions, each in its own way, so
// callers outside UDPChatDialect never ask "is this the contract?".
import Testing
import UDPChatDialect
import UDPChatImpairment
import UDPChatWire

@Suite struct ContractIsADialectTests {
    let contract = Dialect.default
    let colon: Dialect

    init() throws {
        colon = try Dialect.load(Samples.dialect("colon"))
    }

    @Test func bothReadAndWriteTheirOwnDatagrams() throws {
        #expect(try contract.parse("LEFT 11") == .left(id: 11))
        #expect(try colon.parse("LEAVE_ACK:11") == .left(id: 11))
        #expect(contract.serialize(.left(id: 11)) == Array("LEFT 11".utf8))
        #expect(colon.serialize(.left(id: 11)) == Array("LEAVE_ACK:11".utf8))
        #expect(contract.message(from: Array("LEAVE_ACK:11".utf8)) == nil)
        #expect(colon.message(from: Array("LEFT 11".utf8)) == nil)
        #expect(colon.serialize(.error(code: .idInUse, id: 11)) == nil, "colon-chat has no ERROR")
    }

    @Test func onlyTheContractIsTheDefault() {
        #expect(contract.isDefault && !colon.isDefault)
        #expect(!contract.forcingEngine.isDefault)
        #expect(contract.verbs == Verb.allCases && !colon.verbs.contains(.error))
    }

    @Test func theDefaultDialectCarriesTheContractFormatsFields() {
        for verb in Verb.allCases {
            #expect(contract.wireFields(of: verb) == ContractFormat().wireFields(of: verb), "\(verb)")
        }
        #expect(colon.wireFields(of: .accept) == [.id], "colon-chat's ACCEPT has no {conn}")
        #expect(colon.wireFields(of: .error) == nil)
    }

    @Test func impairmentRulesReadEitherThroughTheSameReader() {
        #expect(MessageReader(contract) == MessageReader.contract)
        #expect(MessageReader(contract)(Array("LEFT 11".utf8)) == .left(id: 11))
        #expect(MessageReader(colon)(Array("LEAVE_ACK:11".utf8)) == .left(id: 11))
        #expect(MessageReader(colon).name == "colon-chat")
    }

    @Test func whatLooksLikeTraffic() {
        // The contract: a first word that is a verb, even when the rest is malformed.
        #expect(contract.looksLikeMessage(Array("LEFT".utf8)) && contract.looksLikeMessage(Array("MSG x".utf8)))
        #expect(!contract.looksLikeMessage(Array("hello 1".utf8)) && !contract.looksLikeMessage(Array("LEAVE_ACK:11".utf8)))
        // A template dialect: a template's leading literal.
        #expect(colon.looksLikeMessage(Array("CHAT:x".utf8)) && !colon.looksLikeMessage(Array("LEFT 11".utf8)))
    }

    @Test func sameMessagesAndSameDatagrams() {
        // The contract compares every field; colon-chat only what it writes (it has no {conn}).
        #expect(!contract.writesAlike(.accept(conn: 1, id: 3), .accept(conn: 2, id: 3)))
        #expect(colon.writesAlike(.accept(conn: 1, id: 3), .accept(conn: 2, id: 3)))
        #expect(!colon.writesAlike(.left(id: 11), .left(id: 12)) && contract.writesAlike(.left(id: 11), .left(id: 11)))
        // The contract's datagrams are canonical: only identical bytes are the same datagram.
        #expect(!contract.sameDatagram(Array("LEFT 11".utf8), Array("LEFT 11\n".utf8)))
        #expect(colon.sameDatagram(Array("LEAVE_ACK:11".utf8), Array("LEAVE_ACK:11\n".utf8)))
        #expect(!colon.sameDatagram(Array("LEAVE_ACK:11".utf8), Array("LEAVE_ACK:12".utf8)))
        // A repeat is told by the contract's bytes, or by the message a dialect's datagram read as.
        #expect(contract.repeatKey(Array("LEFT 11\n".utf8), readAs: .left(id: 11)) == Array("LEFT 11\n".utf8))
        #expect(colon.repeatKey(Array("LEAVE_ACK:11\n".utf8), readAs: .left(id: 11)) == Array("LEFT 11".utf8))
        #expect(colon.repeatKey(Array("LEAVE_ACK:x".utf8), readAs: nil) == Array("LEAVE_ACK:x".utf8))
    }

    @Test func quotes() {
        let escape: ([UInt8]) -> String = { String(decoding: $0, as: UTF8.self) }
        #expect(contract.quote(.left(id: 11), escape: escape) == "'LEFT 11'")
        #expect(colon.quote(.left(id: 11), escape: escape) == "'LEAVE_ACK:11' [LEFT]")
        #expect(colon.quote(.error(code: .idInUse, id: 11), escape: escape) == nil)
    }

    @Test func malformedSamplesForAServer() throws {
        let toContract = contract.malformedSamples(for: .server(owner: 11, ownerPort: 40001))
        #expect(toContract.contains { $0.bytes == Array("LEAVE 011".utf8) && $0.sender == .owner })
        #expect(toContract.contains { $0.bytes == Array("HELLO 31".utf8) && $0.sender == .stranger })
        #expect(toContract.allSatisfy { $0.sender == .owner || $0.sender == .stranger })
        for sample in toContract { #expect((try? contract.parse(sample.bytes)) == nil, "\(sample.why)") }
        let toColon = colon.malformedSamples(for: .server(owner: 11, ownerPort: 40001))
        // The variants, in the order malformedVariants() gives them (which follows a Set of fields: compared unordered).
        let variants = colon.malformedVariants().map(\.bytes)
        #expect(toColon.count == variants.count && Set(toColon.map(\.bytes)) == Set(variants))
        #expect(toColon.enumerated().allSatisfy { $0.element.sender == ($0.offset % 2 == 1 ? .owner : .stranger) })
    }

    @Test func malformedSamplesForAClient() throws {
        let toContract = contract.malformedSamples(for: .client(conn: 7, peer: 42))
        #expect(toContract.filter { $0.sender == .server }.map(\.why) == ["leading zero", "LEFT without id", "bad host"])
        #expect(toContract.contains { $0.bytes == Array("MSG 7 42 0 seq zero".utf8) && $0.sender == .peer })
        for sample in toContract { #expect((try? contract.parse(sample.bytes)) == nil, "\(sample.why)") }
        let toColon = colon.malformedSamples(for: .client(conn: 7, peer: 42))
        #expect(!toColon.isEmpty && toColon.allSatisfy { $0.sender == .peer })
        for sample in toColon { #expect((try? colon.parse(sample.bytes, context: Dialect.exampleContext)) == nil, "\(sample.why)") }
    }
}
