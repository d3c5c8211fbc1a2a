import UDPChatDialect
import UDPChatSupport

/// Typing a client manifest's `input:` lines: one mechanism for the grader, live scenarios and
/// `grade --interop`, which all start and drive third-party clients this way.
extension Manifest {
    /// How long after launch `input.start` is typed.
    public static let startInputDelay: Duration = .milliseconds(100)

    /// The line for input `action` with its placeholders filled from `values` (`id`, `peer`, `text`),
    /// or nil when the manifest has no such action. An action of several lines (a menu: `["1", "{peer}"]`)
    /// comes joined by "\n": typed at once, the program reads them one after another from its input.
    public func inputLine(_ action: String, _ values: [String: String]) -> String? {
        input[action].map { fillPlaceholders($0, values) }
    }

    /// Types `input.start` once, right after the implementation was launched (e.g. the id it asks
    /// for on standard input): waits `startInputDelay`, then hands the filled line to `type`.
    /// Nothing when the manifest has no `input.start`. Returns whether it typed.
    @discardableResult
    public func typeStartInput(_ values: [String: String], type: (String) -> Void) async -> Bool {
        guard let line = inputLine("start", values) else { return false }
        try? await Task.sleep(for: Self.startInputDelay)
        type(line)
        return true
    }
}

extension UDPChatError.Code {
    /// Implementations that must share one wire (a live scenario, an interop pair) name different dialects.
    public static let mixedDialects = Self(IUTCodes.mixedDialects)
}

extension Manifest {
    /// The one wire format several implementations that talk to each other speak: their common
    /// `dialect:` (the contract's when none names one). Different dialects cannot share a run:
    /// `UDPChatError.mixedDialects`, naming who speaks what.
    public static func sharedDialect(_ manifests: [(party: String, manifest: Manifest)]) throws(UDPChatError) -> Dialect {
        guard let first = manifests.first else { return .default }
        for other in manifests.dropFirst() where other.manifest.dialectText != first.manifest.dialectText {
            func speaks(_ entry: (party: String, manifest: Manifest)) -> String {
                "\(entry.party) speaks \(entry.manifest.dialectPath ?? "the contract's own format (default)")"
            }
            throw UDPChatError(.mixedDialects, "\(speaks(first)) but \(speaks(other)): one run has one wire format, so these cannot share it")
        }
        do {
            return try first.manifest.dialect()
        } catch {
            throw .invalidManifest(first.manifest.path, field: "dialect", "\(error)")
        }
    }
}
