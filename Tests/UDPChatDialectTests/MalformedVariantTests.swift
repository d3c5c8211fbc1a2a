import Testing
import UDPChatDialect
import UDPChatWire

@Suite struct MalformedVariantTests {
    @Test(arguments: ["colon", "json", "assigned", "tagged"])
    func everyVariantIsRejectedAndEveryMessageIsCovered(name: String) throws {
        let dialect = try Dialect.load(Samples.dialect(name))
        let variants = dialect.malformedVariants()
        for variant in variants {
            #expect(throws: WireError.self, "\(variant.why): \(String(decoding: variant.bytes, as: UTF8.self))") {
                try dialect.parse(variant.bytes, context: Dialect.exampleContext)
            }
        }
        for verb in dialect.verbs where dialect.templates[verb]?.fields.contains(.id) == true {
            #expect(variants.contains { $0.why.hasPrefix("\(verb.rawValue) with {id} zero") }, "\(verb)")
        }
        for verb in dialect.verbs { #expect(variants.contains { $0.why.hasPrefix(verb.rawValue + " ") }, "\(verb)") }
        #expect(variants.contains { $0.why == "unknown verb" })
    }

    @Test func colonVariantsLookLikeTheHandoutsMessages() throws {
        let colon = try Dialect.load(Samples.dialect("colon"))
        let texts = colon.malformedVariants().map { String(decoding: $0.bytes, as: UTF8.self) }
        #expect(texts.contains("CHAT:12:0:hello: how are you?"))
        #expect(texts.contains("REGISTER:12:65536"))
        #expect(texts.contains("ACK:x1:7"))
    }
}
