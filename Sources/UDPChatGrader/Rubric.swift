// The instructor's rubric for Gradescope and the CSV gradebook: points per case glob or level, the
// LENIENT penalty, and Gradescope's visibility per case glob (docs/GRADER.md "Rubric").
import Foundation
import Yams
import UDPChatSupport

/// Points per case for `grade --gradescope` / `--gradescope-dir` / `--csv`: case globs → points (the
/// first matching glob wins), else by the case's level. The default weighs a MUST case 4 points, a
/// SHOULD case 1 and an INFO case 0; a LENIENT verdict (conforming, but a SHOULD such as TIME-3 broken)
/// loses 1 point. `visibility:` sets Gradescope's visibility of the cases a glob matches.
///
///     # rubric.yaml: first matching glob wins
///     S-REGISTER*: 6
///     C-MSG-*: 5
///     MUST: 4       # cases no glob matches, by level
///     SHOULD: 1
///     INFO: 0
///     LENIENT: 1    # points a LENIENT verdict loses
///     visibility:   # first matching glob wins; a case no glob matches is visible
///       W-*: after_due_date
///       S-CONCURRENT: hidden
public struct Rubric: Sendable, Equatable {
    public var globs: [(glob: String, points: Double)]
    public var levels: [Level: Double]
    public var lenientPenalty: Double
    /// Case glob → Gradescope visibility, in order.
    public var visibilities: [(glob: String, visibility: Visibility)] = []

    /// Gradescope's test visibility (its "Autograder Specifications").
    public enum Visibility: String, Sendable, CaseIterable {
        case visible, hidden, afterDueDate = "after_due_date", afterPublished = "after_published"
    }

    public static let `default` = Rubric(globs: [], levels: [.must: 4, .should: 1, .info: 0], lenientPenalty: 1)

    public init(globs: [(glob: String, points: Double)], levels: [Level: Double], lenientPenalty: Double) {
        self.globs = globs
        self.levels = levels
        self.lenientPenalty = lenientPenalty
    }

    public static func == (lhs: Rubric, rhs: Rubric) -> Bool {
        lhs.globs.map(\.glob) == rhs.globs.map(\.glob) && lhs.globs.map(\.points) == rhs.globs.map(\.points)
            && lhs.levels == rhs.levels && lhs.lenientPenalty == rhs.lenientPenalty
            && lhs.visibilities.map(\.glob) == rhs.visibilities.map(\.glob) && lhs.visibilities.map(\.visibility) == rhs.visibilities.map(\.visibility)
    }

    /// Parses a rubric file's text (a YAML mapping, in order).
    public static func parse(_ text: String) throws(UDPChatError) -> Rubric {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw UDPChatError.report("rubric: not YAML: \(error)")
        }
        guard let mapping = node?.mapping else { throw UDPChatError.report("rubric: expected a mapping of case glob → points") }
        var rubric = Rubric.default
        for (key, value) in mapping {
            guard let name = key.string else { throw UDPChatError.report("rubric: a key is not text") }
            if name == "visibility" {
                rubric.visibilities = try visibilities(value)
                continue
            }
            guard let points = value.scalar.flatMap({ Double($0.string) }), points >= 0 else {
                throw UDPChatError.report("rubric: \(name): points must be a number ≥ 0")
            }
            switch name {
            case "MUST": rubric.levels[.must] = points
            case "SHOULD": rubric.levels[.should] = points
            case "INFO": rubric.levels[.info] = points
            case "LENIENT": rubric.lenientPenalty = points
            default: rubric.globs.append((name, points))
            }
        }
        return rubric
    }

    /// `visibility:`'s mapping of case glob → one of Gradescope's four visibilities.
    static func visibilities(_ node: Node) throws(UDPChatError) -> [(glob: String, visibility: Visibility)] {
        guard let mapping = node.mapping else { throw UDPChatError.report("rubric: visibility: expected a mapping of case glob → visibility") }
        let allowed = Visibility.allCases.map(\.rawValue).joined(separator: ", ")
        var result: [(glob: String, visibility: Visibility)] = []
        for (key, value) in mapping {
            guard let glob = key.string else { throw UDPChatError.report("rubric: visibility: a key is not text") }
            guard let visibility = value.string.flatMap(Visibility.init(rawValue:)) else {
                throw UDPChatError.report("rubric: visibility: \(glob): must be one of \(allowed)")
            }
            result.append((glob, visibility))
        }
        return result
    }

    public static func load(path: String) throws(UDPChatError) -> Rubric {
        guard let data = FileManager.default.contents(atPath: path) else { throw UDPChatError.report("rubric \(path): cannot read it") }
        return try parse(String(decoding: data, as: UTF8.self))
    }

    /// The most a case can earn.
    public func maxPoints(_ result: CaseResult) -> Double {
        globs.first { globMatch($0.glob, result.id) }?.points ?? levels[result.level] ?? 0
    }

    /// What a result earns: all of it for PASS, less the LENIENT penalty for LENIENT, nothing otherwise
    /// (a case that was not run, INTERRUPTED, earns nothing either).
    public func points(_ result: CaseResult) -> Double {
        let most = maxPoints(result)
        switch result.verdict {
        case .pass: return most
        case .lenient: return max(0, most - lenientPenalty)
        default: return 0
        }
    }

    /// Gradescope's visibility of a case: the first `visibility:` glob that matches, else nil (Gradescope's default, visible).
    public func visibility(of caseID: String) -> Visibility? {
        visibilities.first { globMatch($0.glob, caseID) }?.visibility
    }
}
