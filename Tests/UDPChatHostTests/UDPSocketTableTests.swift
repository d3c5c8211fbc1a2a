import Testing
import UDPChatHost

@Suite struct UDPSocketTableTests {
    @Test func parsesPortInodeAndDropsAndSkipsWhatIsNotARow() {
        let text = """
               sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
             1263: 0100007F:A930 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5450861 2 0000000000000000 0
             2001: 00000000:1B9E 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 77 2 0000000000000000 42586
             garbage line
            """
        #expect(UDPSocketTable.parse(text) == [
            .init(port: 0xA930, inode: 5450861, drops: 0),
            .init(port: 7070, inode: 77, drops: 42586),
        ])
    }

}
