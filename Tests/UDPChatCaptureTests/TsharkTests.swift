import Foundation
import Testing
import UDPChatCapture

@Suite struct TsharkTests {
    @Test func tsharkDecodesOurPcapsAndTheDissectorFiltersOnVerb() throws {
        let folder = temporaryFolder()
        let path = try writeCapture(DecoderTests.lossy, in: folder)
        guard let plain = try runTool("tshark", ["-r", path, "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields", "-e", "udp.checksum.status", "-e", "ip.checksum.status"]) else {
            print("skipping tshark test: tshark is not installed (apt-get install tshark)")
            return
        }
        #expect(plain.status == 0)
        let rows = plain.output.split(separator: "\n")
        #expect(rows.count == DecoderTests.lossy.count)
        for row in rows { #expect(row.split(separator: "\t") == ["1", "1"], "tshark verified both checksums as good (1)") }

        let script = repositoryRoot + "/contrib/wireshark/udpchat.lua"
        let msgs = try #require(try runTool("tshark", [
            "-X", "lua_script:" + script, "-r", path, "-Y", "udpchat.verb == \"MSG\"",
            "-T", "fields", "-e", "udpchat.conn", "-e", "udpchat.id", "-e", "udpchat.seq", "-e", "udpchat.text",
        ]))
        #expect(msgs.status == 0)
        #expect(msgs.output.split(separator: "\n") == [
            "77\t1\t1\thello bob", "77\t1\t2\tsecond", "77\t1\t2\tsecond", "77\t1\t3\tthird", "77\t1\t5\tfifth",
        ])
        let malformed = try #require(try runTool("tshark", ["-X", "lua_script:" + script, "-r", path, "-Y", "udpchat.malformed", "-T", "fields", "-e", "frame.number"]))
        #expect(malformed.output.split(separator: "\n") == ["13"])
        let registered = try #require(try runTool("tshark", ["-X", "lua_script:" + script, "-r", path, "-Y", "udpchat.verb == \"REGISTERED\" && udpchat.port == 50001", "-T", "fields", "-e", "udpchat.id"]))
        #expect(registered.output.split(separator: "\n") == ["1"])
    }
}
