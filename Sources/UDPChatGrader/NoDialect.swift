// Grading a submission whose wire format is not known (`dialect: none` in its manifest): the format-level
// cases (S-*, C-*) cannot write or read a message, so they are UNSUPPORTED pointing at `udpchat dialect
// infer`; the behavioural ones (W-*) need no format and run. A report judged nothing only when the
// submission's whole report did not judge it either (`udpchat grade` exits 3 then).
import Foundation
import UDPChatIUT

enum NoDialect {
    /// Why `item` cannot run on `manifest` for want of a wire format, or nil.
    static func reason(_ item: GradeCase, _ manifest: Manifest) -> String? {
        guard item.role != .whole, manifest.dialectUnknown else { return nil }
        return "no dialect: the manifest says its wire format is unknown (dialect: none), and this case writes and reads messages; "
            + "run `udpchat dialect infer` to learn one, or grade it whole with its \(manifest.role == .server ? "client" : "server") (the W-* cases)"
    }
}

extension GradeReport {
    /// The reports that judged nothing (every case UNSUPPORTED), but for a server's or client's report of
    /// a submission graded whole in the same run whose whole report did judge (its behaviour was graded).
    public static func unjudged(_ reports: [GradeReport]) -> [GradeReport] {
        let covered = Set(reports.filter { $0.role == .whole && $0.judged }.flatMap { $0.manifest.components(separatedBy: " + ") })
        return reports.filter { !$0.judged && !($0.role != .whole && covered.contains($0.manifest)) }
    }
}
