// A server or a client graded alone, judged by the behavioural cases (W-*) too (`grade --stand-in`):
// the reference counterpart — `udpchat client` or `udpchat server`, speaking the submission's dialect —
// stands in for the role the submission lacks, and only the W cases that judge the submission's role
// run (docs/GRADER.md "A server or a client alone, with a stand-in").
import Foundation
import UDPChatIUT
import UDPChatSupport

extension WholeSubmission {
    /// `manifest` (graded alone) with the reference counterpart standing in for its other role, run by
    /// `executable` (this udpchat). Nil with the reason when nothing can stand in: a wire format that
    /// is not known (`dialect: none`), or server-assigned ids, which the reference does not implement.
    public static func standIn(for manifest: Manifest, executable: String) -> Result<WholeSubmission, UDPChatError> {
        if manifest.dialectUnknown {
            return .failure(.usage("\(manifest.name): no stand-in: its wire format is not known (dialect: none), and the reference speaks only a known one"))
        }
        if let dialect = try? manifest.dialect(), dialect.ids == .serverAssigned {
            return .failure(.usage("\(manifest.name): no stand-in: its dialect has server-assigned ids, which the reference server and client do not implement"))
        }
        var reference = manifest.role == .server ? referenceClient(executable, workdir: manifest.workdir) : referenceServer(executable, workdir: manifest.workdir)
        reference.standsIn = true
        reference.dialectPath = manifest.dialectPath
        reference.dialectText = manifest.dialectText
        let (server, client) = manifest.role == .server ? (manifest, reference) : (reference, manifest)
        do {
            return .success(try WholeSubmission(name: "\(manifest.name) + \(reference.name) (standing in)", server: server, client: client))
        } catch {
            return .failure(error)
        }
    }

    /// The role the reference stands in for, or nil for a submission's own pair.
    public var standIn: IUTRole? { StandIn.role(server: server, client: client) }

    /// The role a stand-in pair judges (the submission's), or nil for a submission's own pair.
    public var judged: IUTRole? { standIn.map { $0 == .server ? .client : .server } }

    static func referenceClient(_ executable: String, workdir: String) -> Manifest {
        Manifest(name: "the reference client", role: .client,
                 command: [executable, "client", "--id", "{id}", "--server", "{server_host}:{server_port}", "--port", "{port}",
                           "--advertise-port", "{advertise_port}", "--rto", "{rto}", "--dialect", "{dialect}"],
                 workdir: workdir,
                 input: ["connect": "/connect {peer}", "accept": "/accept", "reject": "/reject", "send": "{text}", "terminate": "/end", "quit": "/quit"],
                 path: "(the reference client, standing in)")
    }

    static func referenceServer(_ executable: String, workdir: String) -> Manifest {
        Manifest(name: "the reference server", role: .server, command: Interop.defaultServerCommand(executable: executable),
                 workdir: workdir, path: "(the reference server, standing in)")
    }
}

enum StandIn {
    /// The role of the pair's manifest that is the reference standing in, or nil.
    static func role(server: Manifest, client: Manifest) -> IUTRole? { server.standsIn ? .server : client.standsIn ? .client : nil }

    /// Why a case that needs the chat to go the reference's way cannot run in a stand-in pair, or nil.
    /// A dialect file describes bytes, not routes (`Dialect.chatIsDirect`): the reference chats straight
    /// between the clients, a relaying design through its server, so under a dialect other than the
    /// contract's, chat between a submission's part and the reference is not judged.
    static func chatBlocked(server: Manifest, client: Manifest) -> String? {
        guard let role = role(server: server, client: client), case let reference = role == .server ? server : client,
              let dialect = try? reference.dialect(), !dialect.chatIsDirect else { return nil }
        return "the reference \(reference.role.rawValue) stands in, speaking dialect \(dialect.name): a dialect says the bytes, not whether chat "
            + "goes straight between the clients (the reference's way) or through the server, so no chat is judged with a stand-in"
    }

    /// The `{dialect}` a stand-in's command is given: the submission's dialect written to a file in the
    /// case's temporary folder (inside its sandbox), or `default` for the contract's format. Not written,
    /// the case cannot be set up (the grader's failure).
    static func dialectFile(_ manifest: Manifest) throws -> String {
        guard let dialect = try? manifest.dialect() else { return "default" }
        do {
            return try Interop.writeDialectFile(dialect) ?? "default"
        } catch let stop as CaseStop {
            throw CaseStop.setup(stop.reason)
        }
    }
}
