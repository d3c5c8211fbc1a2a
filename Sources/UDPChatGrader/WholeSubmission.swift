// A whole submission — its own server and its own client manifests, graded together in one case's
// sandbox (docs/GRADER.md "Whole submissions") — and what one catalogue run grades (`GradeSubject`).
import UDPChatIUT
import UDPChatSupport

/// A submission's server and client, run together: the W-* catalogue.
public struct WholeSubmission: Sendable {
    public var name: String
    public var server: Manifest
    public var client: Manifest

    /// `server` must have role server and `client` role client (a usage error names the one that does not).
    public init(name: String, server: Manifest, client: Manifest) throws(UDPChatError) {
        guard server.role == .server else { throw UDPChatError.usage("\(server.path): a whole submission's first manifest must have role: server") }
        guard client.role == .client else { throw UDPChatError.usage("\(client.path): a whole submission's second manifest must have role: client") }
        self.name = name
        self.server = server
        self.client = client
    }

    /// The two manifests of a command line in either order (`grade SERVER.yaml CLIENT.yaml`).
    public static func from(_ manifests: [Manifest]) throws(UDPChatError) -> WholeSubmission {
        guard manifests.count == 2, let server = manifests.first(where: { $0.role == .server }),
              let client = manifests.first(where: { $0.role == .client }) else {
            throw UDPChatError.usage("two manifests are graded whole only as one server and one client")
        }
        return try WholeSubmission(name: "\(server.name) + \(client.name)", server: server, client: client)
    }

    /// The whole submissions of a batch: each submission folder with exactly one loaded server manifest
    /// and one loaded client manifest, named by the folder; in the entries' order.
    public static func pairs(_ entries: [BatchEntry]) -> [WholeSubmission] {
        var folders: [String] = []
        for entry in entries where entry.relativePath.contains("/") {
            let folder = String(entry.relativePath.split(separator: "/")[0])
            if !folders.contains(folder) { folders.append(folder) }
        }
        return folders.compactMap { folder in
            let inside = entries.filter { $0.relativePath.hasPrefix(folder + "/") }
            let servers = inside.filter { $0.role == .server }.compactMap(\.graded)
            let clients = inside.filter { $0.role == .client }.compactMap(\.graded)
            guard servers.count == 1, clients.count == 1 else { return nil }
            return try? WholeSubmission(name: folder, server: servers[0], client: clients[0])
        }
    }
}

extension Grader {
    /// Grades a submission whole: the W-* cases, each running its own server and clients together.
    /// With a stand-in (`WholeSubmission.standIn`), only the cases that judge the submission's role.
    public static func run(whole: WholeSubmission, options: GradeOptions) async -> GradeReport {
        await run(GradeSubject(whole.server, partner: whole.client, name: whole.name), options: options)
    }
}

/// What one catalogue run grades: one manifest against the reference, or (with `partner`, the client
/// manifest) a whole submission whose `manifest` is its server.
struct GradeSubject: Sendable {
    let manifest: Manifest
    let partner: Manifest?
    let name: String

    init(_ manifest: Manifest, partner: Manifest? = nil, name: String? = nil) {
        self.manifest = manifest
        self.partner = partner
        self.name = name ?? manifest.name
    }

    var role: GradedRole { partner == nil ? GradedRole(manifest.role) : .whole }
    var manifests: [Manifest] { [manifest] + (partner.map { [$0] } ?? []) }
    var path: String { manifests.map(\.path).joined(separator: " + ") }
    /// The manifest whose input actions the cases type (and whose `{rto}` sets the RTO graded at).
    var typed: Manifest { partner ?? manifest }
    var timed: Manifest { typed }
    /// The role a stand-in pair judges (the submission's part), or nil.
    var judged: IUTRole? {
        guard let partner else { return nil }
        return StandIn.role(server: manifest, client: partner).map { $0 == .server ? .client : .server }
    }
    /// True when a part is pinned to 7070: on the host, cases then run one at a time.
    var pinned: Bool { manifests.contains { $0.pinnedPort != nil } }
}
