// `udpchat grade --batch DIR`: which files of a folder of submissions are manifests, how their rows
// are labelled, and the ERROR row of a manifest that cannot be loaded (docs/GRADER.md "Batches").
import Foundation
import UDPChatIUT
import UDPChatSupport

/// One manifest found in a batch folder: loaded, or broken (its row is one ERROR).
public struct BatchEntry: Sendable {
    /// Where it is, relative to the batch folder (`alice/server.yaml`).
    public let relativePath: String
    /// The row's label: the submission folder (`alice`), or the manifest's name for one lying loose in
    /// the batch folder; `folder (file)` where a submission has two manifests of one role.
    public var label: String
    public let role: IUTRole
    /// The manifest, or why it cannot be loaded.
    public let manifest: Result<Manifest, UDPChatError>

    public init(relativePath: String, label: String, role: IUTRole, manifest: Result<Manifest, UDPChatError>) {
        self.relativePath = relativePath
        self.label = label
        self.role = role
        self.manifest = manifest
    }

    /// The submission it belongs to, as the instructor's folder names it: the submission folder
    /// (`alice`), or a loose manifest's file name without `.yaml` (never the student-chosen `name:`).
    public var submission: String {
        let parts = relativePath.split(separator: "/")
        if parts.count > 1 || relativePath.hasSuffix("/") { return String(parts[0]) }
        let file = String(parts.last ?? "")
        return file.hasSuffix(".yaml") ? String(file.dropLast(5)) : file.hasSuffix(".yml") ? String(file.dropLast(4)) : file
    }

    /// The manifest to grade, named by the row's label; nil when it cannot be loaded.
    public var graded: Manifest? {
        guard case .success(var loaded) = manifest else { return nil }
        loaded.name = label
        return loaded
    }
}

public enum GradeBatch {
    /// The manifests of `folder`: each subfolder is a submission (its manifests anywhere inside, beside
    /// its dialect, scenarios, CI files …); a manifest lying directly in `folder` is a submission of its
    /// own. A YAML file without a top-level `role:` or `command:` is not a manifest and is skipped;
    /// hidden folders (`.git`, `.github`) are not searched. A submission folder without any manifest
    /// is an entry too (its row is one ERROR: nothing is left out silently). Sorted by path.
    public static func entries(in folder: String) throws(UDPChatError) -> [BatchEntry] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else {
            throw UDPChatError.usage("--batch \(folder): not a readable folder")
        }
        var entries: [BatchEntry] = []
        var submissions: [String] = []
        while let path = walker.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            let isFolder = (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory
            if name.hasPrefix(".") {
                if isFolder { walker.skipDescendants() }
                continue
            }
            if isFolder, !path.contains("/") { submissions.append(path) }
            guard path.hasSuffix(".yaml") || path.hasSuffix(".yml"),
                  let text = try? String(contentsOfFile: "\(folder)/\(path)", encoding: .utf8), looksLikeManifest(text) else { continue }
            entries.append(entry(folder: folder, path: path, text: text))
        }
        for folder in submissions where !entries.contains(where: { $0.relativePath.hasPrefix(folder + "/") }) {
            let reason = "\(folder): no manifest in this submission folder (a YAML file with role: and command:)"
            entries.append(BatchEntry(relativePath: folder + "/", label: folder, role: .server, manifest: .failure(.usage(reason))))
        }
        entries.sort { $0.relativePath < $1.relativePath }
        return disambiguated(entries)
    }

    /// Whether a YAML text is meant as a manifest: it has a top-level `role:` or `command:` key (a
    /// dialect has `format:`/`messages:`, a scenario `steps:`, a workflow `jobs:`).
    public static func looksLikeManifest(_ text: String) -> Bool {
        text.split(whereSeparator: \.isNewline).contains { line in
            guard let colon = line.firstIndex(of: ":"), line.first?.isWhitespace == false else { return false }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            return key == "role" || key == "command"
        }
    }

    static func entry(folder: String, path: String, text: String) -> BatchEntry {
        let parts = path.split(separator: "/")
        let manifest: Result<Manifest, UDPChatError>
        do {
            manifest = .success(try Manifest.load(path: "\(folder)/\(path)"))
        } catch {
            manifest = .failure(error)
        }
        // A loose manifest keeps its own name; a submission's is its folder.
        let label = parts.count > 1 ? String(parts[0]) : (try? manifest.get().name) ?? path
        let role = (try? manifest.get().role) ?? declaredRole(text)
        return BatchEntry(relativePath: path, label: label, role: role, manifest: manifest)
    }

    /// The role a broken manifest declares (`role: client`), for its row; server when it says none.
    static func declaredRole(_ text: String) -> IUTRole {
        let line = text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("role:") }
        return line?.contains("client") == true ? .client : .server
    }

    /// Two manifests of one role in one submission are told apart by their file.
    static func disambiguated(_ entries: [BatchEntry]) -> [BatchEntry] {
        var counts: [String: Int] = [:]
        for entry in entries { counts["\(entry.label)|\(entry.role)", default: 0] += 1 }
        return entries.map { entry in
            var entry = entry
            if counts["\(entry.label)|\(entry.role)", default: 0] > 1, entry.relativePath.contains("/") {
                let file = (entry.relativePath as NSString).lastPathComponent
                entry.label = "\(entry.label) (\(file))"
            }
            return entry
        }
    }

    /// The report of a manifest that cannot be loaded: one ERROR row with the reason.
    public static func brokenReport(_ entry: BatchEntry, path: String, reason: String) -> GradeReport {
        var report = GradeReport(implementation: entry.label, role: GradedRole(entry.role), manifest: path, rto: .zero, rtoNote: "not graded",
                                 duration: .zero,
                                 cases: [CaseResult(id: "MANIFEST", section: "Manifest", level: .must, title: "the manifest can be loaded",
                                                    verdict: .error, detail: reason, duration: .zero,
                                                    runs: 1, passed: 0, events: [])])
        report.submission = entry.submission
        return report
    }
}
