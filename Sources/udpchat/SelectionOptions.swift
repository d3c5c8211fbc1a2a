// pytest's selection for the runners (`scenario run`, `grade`): -k PATTERN, -x/--exitfirst and
// --last-failed — one mechanism for both, the failures of each command's last run kept in .udpchat-cache/.
import ArgumentParser
import Foundation

struct SelectionOptions: ParsableArguments {
    @Option(name: .customShort("k"), help: ArgumentHelp("Run only what matches PATTERN, as pytest's -k (any case; repeatable: any of them): a scenario's name or file; a case's id or title, or the submission's label.", valueName: "PATTERN"))
    var keyword: [String] = []

    @Flag(name: [.customShort("x"), .customLong("exitfirst")], help: "Stop after the first failure (what has not finished is reported as not run).")
    var exitFirst = false

    @Flag(help: ArgumentHelp("Run only what failed last time in this folder (everything when nothing failed), as pytest's --last-failed. The list is kept in \(LastFailed.folder)/."))
    var lastFailed = false

    /// True when -k keeps an item known by these names (always without -k).
    func matches(_ names: [String]) -> Bool {
        keyword.isEmpty || keyword.contains { pattern in names.contains { $0.localizedCaseInsensitiveContains(pattern) } }
    }

    /// The items -k and --last-failed keep: `names` are what -k looks in, `key` what the last run's failures name.
    func select<Item>(_ items: [Item], command: LastFailed.Command, names: (Item) -> [String], key: (Item) -> String) -> [Item] {
        var kept = items.filter { matches(names($0)) }
        if lastFailed, let failed = LastFailed.load(command), !failed.isEmpty {
            kept = kept.filter { failed.contains(key($0)) }
        }
        return kept
    }

    /// What was asked, for "nothing is selected" (`-k a -k b, --last-failed`).
    var asked: String {
        (keyword.map { "-k \($0)" } + (lastFailed ? ["--last-failed"] : [])).joined(separator: ", ")
    }

    /// Called with each finished item: with --exitfirst the first failure calls `stop` (once is enough).
    func stopper(_ stop: @escaping @Sendable () -> Void) -> @Sendable (_ failed: Bool) -> Void {
        let exitFirst = self.exitFirst
        return { failed in if exitFirst, failed { stop() } }
    }

    /// The line after a run --exitfirst stopped, or nil.
    func stoppedNote(notRun: Int, noun: String) -> String? {
        guard exitFirst, notRun > 0 else { return nil }
        return "stopped after the first failure (--exitfirst): \(notRun) \(noun)\(notRun == 1 ? "" : "s") not run"
    }
}

/// What failed last time, per command and working folder (`--last-failed`): one key a line.
enum LastFailed {
    static let folder = ".udpchat-cache"

    enum Command: String {
        case scenario = "scenario-last-failed", grade = "grade-last-failed"
    }

    static func path(_ command: Command) -> String { "\(folder)/\(command.rawValue)" }

    static func load(_ command: Command) -> Set<String>? {
        guard let text = try? String(contentsOfFile: path(command), encoding: .utf8) else { return nil }
        return Set(text.split(separator: "\n").map(String.init))
    }

    static func save(_ keys: [String], for command: Command) {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? (Set(keys).sorted().joined(separator: "\n") + "\n").write(toFile: path(command), atomically: true, encoding: .utf8)
    }
}
