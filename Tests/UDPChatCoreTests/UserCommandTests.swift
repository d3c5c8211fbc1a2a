import Testing
import UDPChatCore

@Suite("User commands")
struct UserCommandTests {
    static let good: [(String, UserCommand)] = [
        ("/connect 5", .connect(5)), ("/connect 2147483647", .connect(2_147_483_647)), ("/CONNECT 5", .connect(5)),
        ("/connect  5", .connect(5)), ("/accept", .accept), ("/reject", .reject), ("/cancel", .cancel), ("/end", .end),
        ("/quit", .quit), ("/quit\r", .quit), ("/help", .help), ("hello there", .say("hello there")),
        ("  spaced  ", .say("  spaced  ")), ("hi\r", .say("hi")), ("not/a command", .say("not/a command")),
    ]

    @Test(arguments: good)
    func parses(line: String, command: UserCommand) {
        #expect(UserCommand.parse(line: line) == .success(command))
    }

    @Test(arguments: ["/connect", "/connect 0", "/connect -1", "/connect +5", "/connect 2147483648", "/connect x", "/connect 1 2",
                      "/accept now", "/bogus", "/", "/quit please"])
    func refuses(line: String) {
        guard case .failure(let error)? = UserCommand.parse(line: line) else {
            Issue.record("\(line) should be a usage error")
            return
        }
        #expect(!error.description.isEmpty)
    }

    @Test func emptyLinesAreNothing() {
        #expect(UserCommand.parse(line: "") == nil)
        #expect(UserCommand.parse(line: "\r") == nil)
    }

    @Test func helpNamesEveryCommand() {
        for name in ["/connect", "/accept", "/reject", "/cancel", "/end", "/quit", "/help"] {
            #expect(UserCommand.helpText.contains(name))
        }
    }
}
