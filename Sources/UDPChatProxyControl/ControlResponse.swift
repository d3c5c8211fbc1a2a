import UDPChatSupport

/// One HTTP answer of the control API.
public struct ControlResponse: Equatable, Sendable {
    public var status: Int
    public var contentType: String
    public var body: String

    public init(status: Int, contentType: String = "application/json", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// `{"error":"…"}` on one line.
    public static func error(_ status: Int, _ reason: String) -> ControlResponse {
        let line = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        return ControlResponse(status: status, body: "{\"error\":" + JSON.string(line) + "}\n")
    }

    public static func json(_ body: String, status: Int = 200) -> ControlResponse {
        ControlResponse(status: status, body: body + "\n")
    }
}
