import Testing
import UDPChatSupport

/// A module's closed set of codes, as each module declares its own.
private enum TestCodes: String, UDPChatErrorCodes {
    case example = "test.example"
}

extension UDPChatError.Code {
    fileprivate static let example = Self(TestCodes.example)
}

extension UDPChatError {
    fileprivate static func example(_ what: String) -> Self { Self(.example, "example failed: \(what)") }
}

@Suite("Support: one error shape")
struct ErrorShapeTests {
    @Test func printsItsReasonAlone() {
        #expect("\(UDPChatError.example("the disk"))" == "example failed: the disk")
        #expect(UDPChatError.usage("--rto must be positive").description == "--rto must be positive")
    }

    @Test func comparesByCodeNotByReason() {
        #expect(UDPChatError.example("a") == UDPChatError.example("b"))
        #expect(UDPChatError.example("a") != UDPChatError.usage("a"))
        #expect(Set([UDPChatError.example("a"), .example("b"), .usage("c")]).count == 2)
    }

    @Test func isMatchedByCodeInExpectThrows() {
        #expect(throws: UDPChatError.example("anything")) { throw UDPChatError.example("the real reason") }
    }

    @Test func aCodeRendersAsItsEnumsRawValue() {
        #expect(UDPChatError.example("x").code.description == "test.example")
        #expect(UDPChatError(TestCodes.example, "y") == UDPChatError.example("x"))
        #expect(UDPChatError.usage("z").code.rawValue == "usage")
    }

    @Test func fileErrorsNameThePath() {
        let error = UDPChatError.file("/tmp/x.yaml", "no such file")
        #expect(error.code == .file)
        #expect(error.description == "/tmp/x.yaml: no such file")
    }
}
