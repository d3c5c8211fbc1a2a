// What one graded catalogue is about: a server, a client (each against the reference), or a whole
// submission (its own server and clients together, docs/GRADER.md "Whole submissions").
import UDPChatIUT

public enum GradedRole: String, Sendable, Codable, CaseIterable, Hashable {
    case server, client, whole

    /// The catalogue of a manifest's role.
    public init(_ role: IUTRole) {
        switch role {
        case .server: self = .server
        case .client: self = .client
        }
    }
}
