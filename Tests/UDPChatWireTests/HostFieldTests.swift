import Testing
import UDPChatWire

/// Found by the dialect fuzzer (Scripts/fuzz): the IPv6 check went through a C string, so a NUL
/// ended the host early and `PEER 3 ::\0x 7070` was accepted.
@Suite struct HostFieldTests {
    @Test(arguments: ["PEER 3 ::\u{0}x 7070", "PEER 3 ::1\u{0} 7070", "PEER 3 fe80::1\u{0}junk 5"])
    func aHostWithANULIsMalformed(text: String) {
        #expect(throws: WireError.self) { try Message.parse(text) }
        #expect(!IPLiteral.isValid(String(text.split(separator: " ")[2])))
    }

    @Test func ipv6LiteralsStillParse() throws {
        #expect(try Message.parse("PEER 3 ::1 7070") == .peer(id: 3, host: "::1", port: 7070))
        #expect(try Message.parse("PEER 3 2001:db8::7:1 9") == .peer(id: 3, host: "2001:db8::7:1", port: 9))
        #expect(try Message.parse("PEER 3 ::ffff:192.0.2.1 9") == .peer(id: 3, host: "::ffff:192.0.2.1", port: 9))
    }
}
