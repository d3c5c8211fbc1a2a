// The messages a live scenario's reference parties (udpchat's own server and clients) need from the
// manifests' dialect: `scenario validate` warns and `scenario run` SKIPs at once when one is missing,
// instead of a run that hangs until its timeout and blames the implementation (issue 16).
import UDPChatDialect
import UDPChatIUT
import UDPChatScript
import UDPChatWire

extension Scenario {
    /// Each reference party that needs a message `dialect` lacks, one line each: `reference client
    /// bob needs REGISTERED (to register), MSG (send 'hi'), which dialect quiet-chat lacks`. Empty for
    /// the contract (it has every message) and for parties played by manifests.
    public func referenceVerbGaps(in dialect: Dialect) -> [String] {
        var parties: [(String, [(Verb, String)])] = []
        if serverManifest == nil { parties.append(("reference server \(serverName)", [(.register, "to take registrations")])) }
        for client in clients where client.manifest == nil {
            parties.append(("reference client \(client.name)", Self.referenceClientNeeds(client.script)))
        }
        return parties.compactMap { party, needs in
            var seen = Set<Verb>()
            let missing = needs.filter { dialect.templates[$0.0] == nil && seen.insert($0.0).inserted }
            guard !missing.isEmpty else { return nil }
            let list = missing.map { "\($0.0.rawValue) (\($0.1))" }.joined(separator: ", ")
            return "\(party) needs \(list), which dialect \(dialect.name) lacks"
        }
    }

    /// The warnings of `scenario validate` and `scenario run`: the gaps under the manifests' dialect.
    public var referenceVerbWarnings: [String] {
        guard let manifests = try? LiveRunner.loadManifests(for: self), !manifests.isEmpty,
              let dialect = try? LiveRunner.dialect(of: manifests) else { return [] }
        return referenceVerbGaps(in: dialect).map { "live: \($0): a live run SKIPs" }
    }

    /// What udpchat's client writes and waits for to run `script`: registering always (it waits for
    /// REGISTERED before anything else), then what each command sends or waits for.
    static func referenceClientNeeds(_ script: [ScriptStep]) -> [(Verb, String)] {
        var needs: [(Verb, String)] = [(.register, "to register"), (.registered, "to register")]
        for case .command(let command) in script {
            let verbs: [Verb] = switch command {
            case .connect: [.lookup, .peer, .connect]
            case .accept: [.accept]
            case .reject: [.reject]
            case .send: [.msg, .ack]
            case .end: [.terminate, .terminated]
            case .quit: [.leave]
            case .cancel: []
            }
            needs += verbs.map { ($0, "\(command)") }
        }
        return needs
    }
}
